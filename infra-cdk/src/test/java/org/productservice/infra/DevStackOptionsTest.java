package org.productservice.infra;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A dev stage with the options: provisioned capacity with auto scaling, a customer managed key,
 * Contributor Insights and EKS Pod Identity with a custom service account.
 */
class DevStackOptionsTest {
    private static final Synth.Result SYNTH = Synth.of(Synth.DEV_WITH_OPTIONS);
    private static final Template TEMPLATE = SYNTH.template();

    @Test
    void devStageMayDestroyTablesAndKey() {
        TEMPLATE.hasResource("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "DeletionPolicy", "Delete",
                "UpdateReplacePolicy", "Delete",
                "Properties", Match.objectLike(Map.of("DeletionProtectionEnabled", false)))));
        assertThat(TEMPLATE.findResources("AWS::DynamoDB::Table", Map.of("DeletionPolicy", "Retain"))).isEmpty();
        TEMPLATE.hasResource("AWS::KMS::Key", Match.objectLike(Map.of("DeletionPolicy", "Delete")));
    }

    @Test
    void provisionedTablesAndIndexScaleByTargetTracking() {
        TEMPLATE.hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "KeySchema", List.of(Map.of("AttributeName", "id", "KeyType", "HASH")),
                "ProvisionedThroughput", Map.of("ReadCapacityUnits", 2, "WriteCapacityUnits", 3),
                "GlobalSecondaryIndexes", List.of(Match.objectLike(Map.of(
                        "IndexName", "product-name-index",
                        "ProvisionedThroughput", Map.of("ReadCapacityUnits", 2, "WriteCapacityUnits", 3)))))));
        assertThat(TEMPLATE.findResources("AWS::DynamoDB::Table", Map.of("Properties", Map.of("BillingMode", "PAY_PER_REQUEST"))))
                .isEmpty();

        // Read and write of the product table, its index and the idempotency table.
        TEMPLATE.resourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 6);
        TEMPLATE.resourceCountIs("AWS::ApplicationAutoScaling::ScalingPolicy", 6);
        TEMPLATE.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Map.of(
                "ServiceNamespace", "dynamodb",
                "ScalableDimension", "dynamodb:index:WriteCapacityUnits",
                "MinCapacity", 3,
                "MaxCapacity", 30,
                "ResourceId", Match.anyValue(),
                "RoleARN", Match.anyValue()));
        TEMPLATE.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Match.objectLike(Map.of(
                "ScalableDimension", "dynamodb:table:ReadCapacityUnits", "MinCapacity", 2, "MaxCapacity", 40)));

        Capture targets = new Capture();
        TEMPLATE.allResourcesProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Match.objectLike(Map.of(
                "PolicyType", "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of("TargetValue", targets)))));
        assertThat(targets.asNumber()).isEqualTo(65);
    }

    @Test
    void customerManagedKeyRotatesAndEncryptsBothTables() {
        TEMPLATE.resourceCountIs("AWS::KMS::Key", 1);
        assertThat(TEMPLATE.findResources("AWS::KMS::Key")).containsOnlyKeys("TableKey");
        TEMPLATE.hasResourceProperties("AWS::KMS::Key", Match.objectLike(Map.of(
                "EnableKeyRotation", true, "PendingWindowInDays", 7)));
        Map<String, Object> sse = Map.of("SSEEnabled", true, "SSEType", "KMS",
                                         "KMSMasterKeyId", Map.of("Fn::GetAtt", List.of("TableKey", "Arn")));
        TEMPLATE.allResourcesProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of("SSESpecification", sse)));
    }

    @Test
    void roleMayUseTheKeyOnlyThroughDynamoDb() {
        Capture statements = new Capture();
        TEMPLATE.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of(
                "Policies", List.of(Match.objectLike(Map.of(
                        "PolicyDocument", Match.objectLike(Map.of("Statement", statements))))))));
        assertThat(statements.asArray()).hasSize(6);
        Map<String, Object> viaDynamoDb = Map.of("Fn::Join", List.of(
                "", List.of("dynamodb.", Map.of("Ref", "AWS::Region"), ".amazonaws.com")));
        assertThat(statements.asArray().get(3)).isEqualTo(Map.of(
                "Sid", "TableKeyThroughDynamoDb",
                "Effect", "Allow",
                "Action", List.of("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"),
                "Resource", Map.of("Fn::GetAtt", List.of("TableKey", "Arn")),
                "Condition", Map.of("StringEquals", Map.of("kms:ViaService", viaDynamoDb))));
    }

    @Test
    void cursorKeyIsEncryptedWithTheStacksKeyWhichTheRoleMayUseOnlyThroughSecretsManager() {
        TEMPLATE.hasResourceProperties("AWS::SecretsManager::Secret", Match.objectLike(Map.of(
                "KmsKeyId", Map.of("Fn::GetAtt", List.of("TableKey", "Arn")))));
        Capture statements = new Capture();
        TEMPLATE.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of(
                "Policies", List.of(Match.objectLike(Map.of(
                        "PolicyDocument", Match.objectLike(Map.of("Statement", statements))))))));
        Map<String, Object> viaSecretsManager = Map.of("Fn::Join", List.of(
                "", List.of("secretsmanager.", Map.of("Ref", "AWS::Region"), ".amazonaws.com")));
        assertThat(statements.asArray().subList(4, 6)).containsExactly(
                Map.of("Sid", "CursorKey",
                       "Effect", "Allow",
                       "Action", "secretsmanager:GetSecretValue",
                       "Resource", Map.of("Ref", "CursorKey")),
                Map.of("Sid", "CursorKeyThroughSecretsManager",
                       "Effect", "Allow",
                       "Action", "kms:Decrypt",
                       "Resource", Map.of("Fn::GetAtt", List.of("TableKey", "Arn")),
                       "Condition", Map.of("StringEquals", Map.of("kms:ViaService", viaSecretsManager))));
    }

    @Test
    void devStageMayDestroyTheCursorKeyAndUserPool() {
        TEMPLATE.hasResource("AWS::SecretsManager::Secret", Match.objectLike(Map.of("DeletionPolicy", "Delete")));
        TEMPLATE.hasResource("AWS::Cognito::UserPool", Match.objectLike(Map.of(
                "DeletionPolicy", "Delete",
                "Properties", Match.objectLike(Map.of("DeletionProtection", "INACTIVE")))));
    }

    @Test
    void contributorInsightsCoverTablesAndIndex() {
        TEMPLATE.allResourcesProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "ContributorInsightsSpecification", Map.of("Enabled", true))));
        TEMPLATE.hasResourceProperties("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "GlobalSecondaryIndexes", List.of(Match.objectLike(Map.of(
                        "ContributorInsightsSpecification", Map.of("Enabled", true)))))));
    }

    @Test
    void podIdentityTrustsTheAgentForOneServiceAccountOfOneCluster() {
        TEMPLATE.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of(
                "AssumeRolePolicyDocument", Map.of(
                        "Version", "2012-10-17",
                        "Statement", List.of(Map.of(
                                "Effect", "Allow",
                                "Action", List.of("sts:AssumeRole", "sts:TagSession"),
                                "Principal", Map.of("Service", "pods.eks.amazonaws.com"),
                                "Condition", Map.of(
                                        "StringEquals", Map.of(
                                                "aws:RequestTag/kubernetes-namespace", "catalog",
                                                "aws:RequestTag/kubernetes-service-account", "products",
                                                "aws:SourceAccount", Map.of("Ref", "AWS::AccountId"),
                                                "aws:RequestTag/eks-cluster-name", "shop"),
                                        // Bound to the one cluster of this account and region.
                                        "ArnEquals", Map.of("aws:SourceArn", Map.of("Fn::Join", List.of("", List.of(
                                                "arn:", Map.of("Ref", "AWS::Partition"), ":eks:", Map.of("Ref", "AWS::Region"),
                                                ":", Map.of("Ref", "AWS::AccountId"), ":cluster/shop")))))))))));
        TEMPLATE.resourceCountIs("AWS::EKS::PodIdentityAssociation", 1);
        TEMPLATE.hasResourceProperties("AWS::EKS::PodIdentityAssociation", Match.objectLike(Map.of(
                "ClusterName", "shop",
                "Namespace", "catalog",
                "ServiceAccount", "products",
                "RoleArn", Map.of("Fn::GetAtt", List.of("ServiceRole", "Arn")))));
        assertThat(TEMPLATE.findOutputs("ServiceIdentity").get("ServiceIdentity")).containsEntry("Value", "pod-identity");
        assertThat(TEMPLATE.findOutputs("EksClusterName").get("EksClusterName")).containsEntry("Value", "shop");
    }

    @Test
    void cdkNagAwsSolutionsFindsNothing() {
        assertThat(SYNTH.annotations().findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        assertThat(SYNTH.annotations().findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
    }
}
