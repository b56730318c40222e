package org.productservice.infra;

import java.util.Optional;

import org.productservice.infra.ProductServiceProps.AwsManagedKey;
import org.productservice.infra.ProductServiceProps.CustomerManagedKey;
import org.productservice.schema.Tables;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.kms.CfnKey;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.kms.Key;
import software.constructs.Construct;

/**
 * product-service's AWS resources: the product and idempotency tables, the key that encrypts
 * them when a customer managed one is asked for, and the role of the service's pods. Its outputs
 * are what the Kubernetes deployment needs ({@code DYNAMODB_*} settings and the role).
 */
public final class ProductServiceStack extends Stack {
    /** Logical ID of the product table, pinned (and pinned by a test). */
    public static final String PRODUCT_TABLE_ID = "ProductTable";
    /** Logical ID of the idempotency table, pinned. */
    public static final String IDEMPOTENCY_TABLE_ID = "IdempotencyTable";
    /** Logical ID of the tables' customer managed key, pinned: a new key could not read old backups. */
    public static final String TABLE_KEY_ID = "TableKey";

    private final ServiceTable products;
    private final ServiceTable idempotency;
    private final ServiceRole serviceRole;

    /**
     * Creates the stack.
     *
     * @param scope parent (the app)
     * @param id    stack name
     * @param props deployment settings
     */
    public ProductServiceStack(Construct scope, String id, ProductServiceProps props) {
        super(scope, id, props.stackProps());
        Tags.of(this).add("app", "product-service");
        Tags.of(this).add("stage", props.stage());

        Optional<IKey> tableKey = tableKey(props);
        ServiceTable.Settings settings = new ServiceTable.Settings(
                props.capacity(), tableKey, props.protectData(), props.contributorInsights());
        products = new ServiceTable(this, "Products", Tables.PRODUCTS, PRODUCT_TABLE_ID, settings);
        idempotency = new ServiceTable(this, "Idempotency", Tables.IDEMPOTENCY, IDEMPOTENCY_TABLE_ID, settings);
        serviceRole = new ServiceRole(this, "Service", props.identity(), products, idempotency, tableKey);

        // Named after the service settings they feed (DYNAMODB_TABLE_PRODUCTS, ...), so that the
        // outputs file maps onto the Kubernetes configuration one to one.
        output("ProductTableName", products.table().getTableName(), "DYNAMODB_TABLE_PRODUCTS");
        output("ProductTableArn", products.table().getTableArn(), "ARN of the product table");
        output("ProductNameIndexName", Tables.PRODUCT_NAME_INDEX.name(), "DYNAMODB_TABLE_INDEX");
        output("IdempotencyTableName", idempotency.table().getTableName(), "DYNAMODB_TABLE_IDEMPOTENCY");
        output("IdempotencyTableArn", idempotency.table().getTableArn(), "ARN of the idempotency table");
        output("ServiceRoleArn", serviceRole.role().getRoleArn(),
               "role of the service account " + props.identity().serviceAccount().subject());
        output("ServiceIdentity", props.identity().mode(),
               "irsa: annotate the service account with eks.amazonaws.com/role-arn; pod-identity: an association maps it");
        output("Region", getRegion(), "DYNAMODB_REGION");
    }

    /**
     * The product table.
     *
     * @return the table construct
     */
    public ServiceTable products() {
        return products;
    }

    /**
     * The idempotency table.
     *
     * @return the table construct
     */
    public ServiceTable idempotency() {
        return idempotency;
    }

    /**
     * The role of the service's pods.
     *
     * @return the role construct
     */
    public ServiceRole serviceRole() {
        return serviceRole;
    }

    private Optional<IKey> tableKey(ProductServiceProps props) {
        return switch (props.encryption()) {
            case AwsManagedKey ignored -> Optional.empty();
            case CustomerManagedKey cmk when cmk.existingKeyArn().isPresent() ->
                    Optional.of(Key.fromKeyArn(this, "ExistingTableKey", cmk.existingKeyArn().get()));
            case CustomerManagedKey ignored -> {
                Key key = Key.Builder.create(this, "TableKey")
                        .description("Encrypts product-service's DynamoDB tables (" + props.stage() + ")")
                        .enableKeyRotation(true)
                        // Destroying the key destroys the data and its backups: same fate as the tables.
                        .removalPolicy(props.protectData() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
                        .pendingWindow(Duration.days(props.protectData() ? 30 : 7))
                        .build();
                ((CfnKey) key.getNode().getDefaultChild()).overrideLogicalId(TABLE_KEY_ID);
                yield Optional.of(key);
            }
        };
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }
}
