package org.productservice.infra;

import java.util.Optional;

import org.productservice.infra.ProductServiceProps.AwsManagedKey;
import org.productservice.infra.ProductServiceProps.CustomerManagedKey;
import org.productservice.infra.ProductServiceProps.PodIdentity;
import org.productservice.schema.Tables;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.kms.CfnKey;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.constructs.Construct;

/**
 * product-service's AWS resources: the product and idempotency tables, the key that encrypts
 * them when a customer managed one is asked for, the role of the service's pods, the cursor
 * signing key, the identity provider (or your own issuer's settings) and the API's edge
 * (certificate, WAF, access logs). Its outputs are what the Kubernetes deployment needs
 * ({@code DYNAMODB_*}, {@code AUTH_*}, {@code API_CURSOR_ARN}, the role and the ALB's annotations);
 * {@code make k8s-config} writes them into the aws overlay.
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
    private final CursorKey cursorKey;
    private final ApiIdentity identity;
    private final ApiEdge apiEdge;

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

        EdgeSettings edge = props.edge();
        Optional<IKey> tableKey = tableKey(props);
        Optional<ITopic> alarmTopic = edge.alarmTopicArn().map(arn -> Topic.fromTopicArn(this, "AlarmTopic", arn));
        ServiceTable.Settings settings = new ServiceTable.Settings(
                props.capacity(), tableKey, props.protectData(), props.contributorInsights(), alarmTopic);
        products = new ServiceTable(this, "Products", Tables.PRODUCTS, PRODUCT_TABLE_ID, settings);
        idempotency = new ServiceTable(this, "Idempotency", Tables.IDEMPOTENCY, IDEMPOTENCY_TABLE_ID, settings);
        cursorKey = new CursorKey(this, "Cursor", tableKey, props.protectData());
        serviceRole = new ServiceRole(this, "Service", props.identity(), products, idempotency, tableKey, cursorKey.secret());
        identity = new ApiIdentity(this, "Identity", edge.identityProvider(), props.stage(), props.protectData());
        apiEdge = new ApiEdge(this, "Edge", edge.tls(), edge.waf(), edge.accessLogs(), props.protectData());

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
        if (props.identity() instanceof PodIdentity pod && pod.clusterName().isPresent()) {
            output("EksClusterName", pod.clusterName().get(), "cluster whose Pod Identity association maps the role");
        }

        output("CursorKeyArn", cursorKey.secret().getSecretArn(), "API_CURSOR_ARN (the service reads the key at start)");
        output("AuthProvider", identity.provider(), "cognito: the stack's user pool; external: your own issuer");
        output("AuthIssuer", identity.issuer(), "AUTH_ISSUER");
        identity.jwks().ifPresent(jwks -> output("AuthJwksUrl", jwks, "AUTH_JWKS"));
        output("AuthAudience", identity.audience(), "AUTH_AUDIENCE");
        output("AuthAudienceClaim", identity.audienceClaim(), "AUTH_CLAIMS_AUDIENCE");
        output("AuthScopesRead", identity.readScopes(), "AUTH_SCOPES_READ");
        output("AuthScopesWrite", identity.writeScopes(), "AUTH_SCOPES_WRITE");
        identity.tokenUrl().ifPresent(url -> output("AuthTokenUrl", url, "OAuth token endpoint (client credentials)"));
        identity.client().ifPresent(client -> output("AuthClientId", client.getUserPoolClientId(),
                "app client for machine-to-machine calls; its secret: aws cognito-idp describe-user-pool-client"));

        output("WebAclArn", apiEdge.webAcl().getAttrArn(), "WAF web ACL of the ALB (alb.ingress.kubernetes.io/wafv2-acl-arn)");
        apiEdge.certificate().ifPresent(certificate -> output("CertificateArn", certificate.getCertificateArn(),
                "certificate of the ALB's HTTPS listener"));
        apiEdge.domainName().ifPresent(domain -> {
            output("ApiDomainName", domain, "host name of the API (the ingress host rule)");
            output("ApiBaseUrl", "https://" + domain, "base URL of the API");
        });
        apiEdge.accessLogs().ifPresent(bucket -> output("AccessLogBucketName", bucket.getBucketName(),
                "ALB access logs (prefix " + ApiEdge.ACCESS_LOG_PREFIX + "/)"));
        edge.network().vpcCidr().ifPresent(cidr -> output("VpcCidr", cidr, "cluster VPC (the subnets below must lie in it)"));
        if (!edge.network().albSubnetCidrs().isEmpty()) {
            output("AlbSubnetCidrs", String.join(",", edge.network().albSubnetCidrs()),
                   "subnets of the ALB, the only sources of API traffic and its health checks (NetworkPolicy)");
        }
        if (!edge.network().nodeSubnetCidrs().isEmpty()) {
            output("NodeSubnetCidrs", String.join(",", edge.network().nodeSubnetCidrs()),
                   "subnets of the cluster's nodes, where kubelet probes come from (NetworkPolicy)");
        }
    }

    /**
     * The cursor signing key.
     *
     * @return the secret construct
     */
    public CursorKey cursorKey() {
        return cursorKey;
    }

    /**
     * The identity provider, or your own issuer's settings.
     *
     * @return the construct
     */
    public ApiIdentity identity() {
        return identity;
    }

    /**
     * Certificate, web ACL and access log bucket.
     *
     * @return the construct
     */
    public ApiEdge apiEdge() {
        return apiEdge;
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
