package org.productservice.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.productservice.infra.ProductServiceProps.Irsa;
import org.productservice.infra.ProductServiceProps.PodIdentity;
import org.productservice.infra.ProductServiceProps.ServiceAccount;
import org.productservice.infra.ProductServiceProps.ServiceIdentity;

import software.amazon.awscdk.Aws;
import software.amazon.awscdk.services.eks.CfnPodIdentityAssociation;
import software.amazon.awscdk.services.iam.CfnRole;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.FederatedPrincipal;
import software.amazon.awscdk.services.iam.IPrincipal;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.constructs.Construct;

/**
 * The IAM role the service's pods run with: trusted only by the service's Kubernetes service
 * account (through IRSA or EKS Pod Identity) and allowed only the calls the service makes, each on
 * the one resource it makes it on: DynamoDB on its tables and index, and reading its cursor key.
 */
public final class ServiceRole extends Construct {
    /** Calls on the product table: reads, conditional writes, the list scan and the readiness check. */
    static final List<String> PRODUCT_TABLE_ACTIONS = List.of(
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
            "dynamodb:Scan", "dynamodb:DescribeTable");
    /** The service queries the name index only, never the base table. */
    static final List<String> PRODUCT_INDEX_ACTIONS = List.of("dynamodb:Query");
    /** Idempotency records are written conditionally, read and completed; never deleted (TTL does that). */
    static final List<String> IDEMPOTENCY_TABLE_ACTIONS = List.of(
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DescribeTable");
    /**
     * With a customer managed key DynamoDB uses the caller's own KMS permissions (the AWS managed
     * key's policy grants them implicitly). Explicit actions, no {@code GenerateDataKey*}-style
     * wildcards, and only through DynamoDB (kms:ViaService).
     */
    static final List<String> KEY_ACTIONS = List.of(
            "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey");

    /** The one call the service makes on its cursor key, at start. */
    static final List<String> SECRET_ACTIONS = List.of("secretsmanager:GetSecretValue");

    /** Audience of IRSA tokens: the projected token is minted for STS. */
    static final String IRSA_AUDIENCE = "sts.amazonaws.com";
    private static final String POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com";

    private final Role role;

    /**
     * Creates the role.
     *
     * @param scope       parent
     * @param id          construct id
     * @param identity    who may assume the role
     * @param products    the product table
     * @param idempotency the idempotency table
     * @param tableKey    the tables' customer managed key, if they have one (it encrypts the cursor key too)
     * @param cursorKey   the secret that signs page cursors
     */
    public ServiceRole(Construct scope,
                       String id,
                       ServiceIdentity identity,
                       ServiceTable products,
                       ServiceTable idempotency,
                       Optional<IKey> tableKey,
                       ISecret cursorKey) {
        super(scope, id);
        List<PolicyStatement> statements = new ArrayList<>();
        statements.add(allow("ProductTable", PRODUCT_TABLE_ACTIONS, List.of(products.table().getTableArn())));
        statements.add(allow("ProductIndexes", PRODUCT_INDEX_ACTIONS, products.indexArns()));
        statements.add(allow("IdempotencyTable", IDEMPOTENCY_TABLE_ACTIONS, List.of(idempotency.table().getTableArn())));
        tableKey.ifPresent(key -> statements.add(PolicyStatement.Builder.create()
                .sid("TableKeyThroughDynamoDb")
                .effect(Effect.ALLOW)
                .actions(KEY_ACTIONS)
                .resources(List.of(key.getKeyArn()))
                .conditions(Map.of("StringEquals", Map.of("kms:ViaService", "dynamodb." + Aws.REGION + ".amazonaws.com")))
                .build()));
        statements.add(allow("CursorKey", SECRET_ACTIONS, List.of(cursorKey.getSecretArn())));
        // With the AWS managed key aws/secretsmanager, Secrets Manager decrypts on the caller's
        // behalf without a grant; a customer managed key needs kms:Decrypt, through Secrets Manager only.
        tableKey.ifPresent(key -> statements.add(PolicyStatement.Builder.create()
                .sid("CursorKeyThroughSecretsManager")
                .effect(Effect.ALLOW)
                .actions(List.of("kms:Decrypt"))
                .resources(List.of(key.getKeyArn()))
                .conditions(Map.of("StringEquals", Map.of("kms:ViaService", "secretsmanager." + Aws.REGION + ".amazonaws.com")))
                .build()));

        role = Role.Builder.create(this, "Role")
                .description("product-service pods (" + identity.mode() + ", " + identity.serviceAccount().subject() + ")")
                .assumedBy(trust(identity))
                // Inline, not attached: the permissions live and die with the role and cannot be
                // attached to anything else.
                .inlinePolicies(Map.of("service", PolicyDocument.Builder.create().statements(statements).build()))
                .build();
        // The ARN is written into the Kubernetes configuration; a replaced role would break it.
        ((CfnRole) role.getNode().getDefaultChild()).overrideLogicalId("ServiceRole");

        if (identity instanceof PodIdentity pod && pod.clusterName().isPresent()) {
            CfnPodIdentityAssociation.Builder.create(this, "PodIdentityAssociation")
                    .clusterName(pod.clusterName().get())
                    .namespace(pod.serviceAccount().namespace())
                    .serviceAccount(pod.serviceAccount().name())
                    .roleArn(role.getRoleArn())
                    .build();
        }
    }

    /**
     * The role.
     *
     * @return the CDK role
     */
    public Role role() {
        return role;
    }

    private static IPrincipal trust(ServiceIdentity identity) {
        return switch (identity) {
            case Irsa irsa -> new FederatedPrincipal(
                    irsa.oidcProviderArn(),
                    // Both conditions: without "sub" every service account of the cluster could
                    // assume the role; without "aud" a token minted for another audience would do.
                    Map.of("StringEquals", orderedMap(
                            irsa.issuer() + ":aud", IRSA_AUDIENCE,
                            irsa.issuer() + ":sub", irsa.serviceAccount().subject())),
                    "sts:AssumeRoleWithWebIdentity");
            case PodIdentity pod -> new ServicePrincipal(POD_IDENTITY_PRINCIPAL)
                    // The agent passes session tags, so sts:TagSession is required; the tags say
                    // which pod asks, and the conditions keep every other service account (and,
                    // when known, every other cluster) of the account out.
                    .withSessionTags()
                    .withConditions(podIdentityConditions(pod));
        };
    }

    private static Map<String, Object> podIdentityConditions(PodIdentity pod) {
        ServiceAccount account = pod.serviceAccount();
        Map<String, Object> equals = orderedMap(
                "aws:RequestTag/kubernetes-namespace", account.namespace(),
                "aws:RequestTag/kubernetes-service-account", account.name());
        // The session tags are set by the agent, but the service principal is shared by every
        // account: the source conditions keep clusters of other accounts (and, when the cluster
        // is known, every other cluster of this account) from assuming the role.
        equals.put("aws:SourceAccount", Aws.ACCOUNT_ID);
        Map<String, Object> conditions = new LinkedHashMap<>();
        conditions.put("StringEquals", equals);
        pod.clusterName().ifPresent(cluster -> {
            equals.put("aws:RequestTag/eks-cluster-name", cluster);
            conditions.put("ArnEquals", Map.of("aws:SourceArn",
                    "arn:" + Aws.PARTITION + ":eks:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":cluster/" + cluster));
        });
        return conditions;
    }

    private static Map<String, Object> orderedMap(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }

    private static PolicyStatement allow(String sid, List<String> actions, List<String> resources) {
        return PolicyStatement.Builder.create()
                .sid(sid)
                .effect(Effect.ALLOW)
                .actions(actions)
                .resources(resources)
                .build();
    }
}
