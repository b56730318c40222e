package org.productservice.infra;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production stack with default settings: on-demand, AWS managed key, IRSA. The values are
 * spelled out literally here (not taken from the schema or the stack's constants), so that a
 * change anywhere shows up as a failing test to be reviewed.
 */
class ProductServiceStackTest {
    private static final Synth.Result SYNTH = Synth.of(Synth.PRODUCTION);
    private static final Template TEMPLATE = SYNTH.template();

    @Test
    void createsTablesRoleKeyIdentityProviderAndFirewallAndNothingElse() {
        Map<String, Object> resources = cast(TEMPLATE.toJSON().get("Resources"));
        Map<String, Long> types = new java.util.TreeMap<>();
        resources.values().forEach(r -> types.merge((String) cast(r).get("Type"), 1L, Long::sum));
        assertThat(types).isEqualTo(Map.of(
                "AWS::DynamoDB::Table", 2L,
                "AWS::IAM::Role", 1L,
                "AWS::SecretsManager::Secret", 1L,
                "AWS::Cognito::UserPool", 1L,
                "AWS::Cognito::UserPoolResourceServer", 1L,
                "AWS::Cognito::UserPoolClient", 1L,
                "AWS::Cognito::UserPoolDomain", 1L,
                "AWS::WAFv2::WebACL", 1L,
                // Consumed read and write units of each table, near the on-demand caps.
                "AWS::CloudWatch::Alarm", 4L));
    }

    @Test
    void onDemandTablesAndIndexAreCappedAndAlarmed() {
        Map<String, Object> caps = Map.of("MaxReadRequestUnits", 1000, "MaxWriteRequestUnits", 200);
        TEMPLATE.allResourcesProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of("OnDemandThroughput", caps)));
        TEMPLATE.hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "GlobalSecondaryIndexes", List.of(Match.objectLike(Map.of(
                        "IndexName", "product-name-index", "OnDemandThroughput", caps))))));
        // 80 % of the cap over 5 minutes, three periods in a row.
        TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "MetricName", "ConsumedReadCapacityUnits",
                "Dimensions", List.of(Map.of("Name", "TableName", "Value", Map.of("Ref", "ProductTable"))),
                "Statistic", "Sum",
                "Period", 300,
                "Threshold", 240_000,
                "EvaluationPeriods", 3,
                "ComparisonOperator", "GreaterThanOrEqualToThreshold",
                "TreatMissingData", "notBreaching")));
        TEMPLATE.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "MetricName", "ConsumedWriteCapacityUnits",
                "Dimensions", List.of(Map.of("Name", "TableName", "Value", Map.of("Ref", "IdempotencyTable"))),
                "Threshold", 48_000)));
    }

    @Test
    void statefulResourcesKeepTheirLogicalIds() {
        // A changed logical ID makes CloudFormation replace the resource: a new empty table.
        assertThat(TEMPLATE.findResources("AWS::DynamoDB::Table")).containsOnlyKeys("ProductTable", "IdempotencyTable");
        assertThat(TEMPLATE.findResources("AWS::IAM::Role")).containsOnlyKeys("ServiceRole");
    }

    @Test
    void productTableHasTheServicesKeysTypesAndNameIndex() {
        TEMPLATE.hasResource("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "Properties", Match.objectEquals(Map.ofEntries(
                        Map.entry("KeySchema", List.of(Map.of("AttributeName", "id", "KeyType", "HASH"))),
                        Map.entry("AttributeDefinitions", List.of(
                                Map.of("AttributeName", "id", "AttributeType", "S"),
                                Map.of("AttributeName", "name", "AttributeType", "S"),
                                Map.of("AttributeName", "updated_at", "AttributeType", "N"))),
                        Map.entry("GlobalSecondaryIndexes", List.of(Map.of(
                                "IndexName", "product-name-index",
                                "KeySchema", List.of(
                                        Map.of("AttributeName", "name", "KeyType", "HASH"),
                                        Map.of("AttributeName", "updated_at", "KeyType", "RANGE")),
                                "Projection", Map.of("ProjectionType", "ALL"),
                                "OnDemandThroughput", Map.of("MaxReadRequestUnits", 1000, "MaxWriteRequestUnits", 200)))),
                        Map.entry("BillingMode", "PAY_PER_REQUEST"),
                        Map.entry("OnDemandThroughput", Map.of("MaxReadRequestUnits", 1000, "MaxWriteRequestUnits", 200)),
                        Map.entry("PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true)),
                        Map.entry("DeletionProtectionEnabled", true),
                        // SSEEnabled without a key: the AWS managed key aws/dynamodb.
                        Map.entry("SSESpecification", Map.of("SSEEnabled", true)),
                        Map.entry("Tags", List.of(Map.of("Key", "app", "Value", "product-service"),
                                                  Map.of("Key", "stage", "Value", "prod"))))))));
    }

    @Test
    void idempotencyTableExpiresItsItems() {
        TEMPLATE.hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "KeySchema", List.of(Map.of("AttributeName", "idempotency_key", "KeyType", "HASH")),
                "AttributeDefinitions", List.of(Map.of("AttributeName", "idempotency_key", "AttributeType", "S")),
                "TimeToLiveSpecification", Map.of("AttributeName", "expires_at", "Enabled", true),
                "GlobalSecondaryIndexes", Match.absent(),
                "BillingMode", "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                "DeletionProtectionEnabled", true,
                "SSESpecification", Map.of("SSEEnabled", true))));
    }

    @Test
    void productionRetainsTablesCursorKeyAndUserPool() {
        for (String table : List.of("ProductTable", "IdempotencyTable", "CursorKey", "UserPool")) {
            Map<String, Object> resource = resource(table);
            assertThat(resource).as(table)
                    .containsEntry("DeletionPolicy", "Retain")
                    .containsEntry("UpdateReplacePolicy", "Retain");
        }
    }

    @Test
    void roleIsAllowedExactlyTheCallsTheServiceMakesOnExactlyItsTables() {
        Capture statements = new Capture();
        TEMPLATE.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of(
                "Policies", List.of(Map.of(
                        "PolicyName", "service",
                        "PolicyDocument", Map.of("Version", "2012-10-17", "Statement", statements))))));

        assertThat(statements.asArray()).containsExactly(
                Map.of("Sid", "ProductTable",
                       "Effect", "Allow",
                       "Action", List.of("dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
                                         "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:UpdateItem"),
                       "Resource", arn("ProductTable")),
                Map.of("Sid", "ProductIndexes",
                       "Effect", "Allow",
                       "Action", "dynamodb:Query",
                       "Resource", Map.of("Fn::Join", List.of("", List.of(arn("ProductTable"), "/index/product-name-index")))),
                Map.of("Sid", "IdempotencyTable",
                       "Effect", "Allow",
                       "Action", List.of("dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
                       "Resource", arn("IdempotencyTable")),
                // The cursor key: read, on its one ARN; the AWS managed key needs no KMS grant.
                Map.of("Sid", "CursorKey",
                       "Effect", "Allow",
                       "Action", "secretsmanager:GetSecretValue",
                       "Resource", Map.of("Ref", "CursorKey")));
        assertThat(statements.asArray().toString()).doesNotContain("*");
        TEMPLATE.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of("ManagedPolicyArns", Match.absent())));
    }

    @Test
    void onlyTheServiceAccountsWebIdentityTokenForStsMayAssumeTheRole() {
        TEMPLATE.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of(
                "AssumeRolePolicyDocument", Map.of(
                        "Version", "2012-10-17",
                        "Statement", List.of(Map.of(
                                "Effect", "Allow",
                                "Action", "sts:AssumeRoleWithWebIdentity",
                                "Principal", Map.of("Federated", Synth.OIDC_PROVIDER_ARN),
                                "Condition", Map.of("StringEquals", Map.of(
                                        Synth.OIDC_ISSUER + ":aud", "sts.amazonaws.com",
                                        Synth.OIDC_ISSUER + ":sub", "system:serviceaccount:product-service:product-service"))))))));
    }

    @Test
    void outputsCarryWhatTheKubernetesDeploymentNeeds() {
        Map<String, Map<String, Object>> outputs = TEMPLATE.findOutputs("*");
        assertThat(outputs).containsOnlyKeys("ProductTableName", "ProductTableArn", "ProductNameIndexName",
                                             "IdempotencyTableName", "IdempotencyTableArn", "ServiceRoleArn",
                                             "ServiceIdentity", "Region", "CursorKeyArn", "AuthProvider", "AuthIssuer",
                                             "AuthJwksUrl", "AuthAudience", "AuthAudienceClaim", "AuthScopesRead",
                                             "AuthScopesWrite", "AuthTokenUrl", "AuthClientId", "WebAclArn");
        // Without a certificate there is no HTTPS listener, hence no base URL: the overlay renders
        // an internal load balancer.
        assertThat(outputs).doesNotContainKeys("CertificateArn", "ApiBaseUrl", "AccessLogBucketName");
        assertThat(outputs.get("CursorKeyArn")).containsEntry("Value", Map.of("Ref", "CursorKey"));
        assertThat(outputs.get("WebAclArn")).containsEntry("Value", arn("WebAcl"));
        assertThat(outputs.get("ProductTableName")).containsEntry("Value", Map.of("Ref", "ProductTable"));
        assertThat(outputs.get("ProductTableArn")).containsEntry("Value", arn("ProductTable"));
        assertThat(outputs.get("ProductNameIndexName")).containsEntry("Value", "product-name-index");
        assertThat(outputs.get("IdempotencyTableName")).containsEntry("Value", Map.of("Ref", "IdempotencyTable"));
        assertThat(outputs.get("IdempotencyTableArn")).containsEntry("Value", arn("IdempotencyTable"));
        assertThat(outputs.get("ServiceRoleArn")).containsEntry("Value", arn("ServiceRole"));
        assertThat(outputs.get("ServiceIdentity")).containsEntry("Value", "irsa");
        // Environment-agnostic: the region of the deployment, resolved by CloudFormation.
        assertThat(outputs.get("Region")).containsEntry("Value", Map.of("Ref", "AWS::Region"));
    }

    @Test
    void cdkNagAwsSolutionsFindsNothing() {
        Annotations annotations = SYNTH.annotations();
        assertThat(annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        assertThat(annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        assertThat(annotations.findError("*", Match.anyValue())).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resource(String logicalId) {
        Map<String, Object> resources = (Map<String, Object>) TEMPLATE.toJSON().get("Resources");
        return (Map<String, Object>) resources.get(logicalId);
    }

    private static Map<String, Object> arn(String logicalId) {
        return Map.of("Fn::GetAtt", List.of(logicalId, "Arn"));
    }
}
