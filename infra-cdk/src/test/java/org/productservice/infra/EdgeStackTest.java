package org.productservice.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The API's edge: the identity provider (the stack's Cognito, or your own issuer), the
 * certificate (requested, existing or none), the WAF web ACL, the access log bucket, and the
 * outputs that {@code make k8s-config} turns into the aws overlay.
 */
class EdgeStackTest {
    private static final Template COGNITO_NO_CERTIFICATE = Synth.of(Synth.PRODUCTION).template();
    private static final Synth.Result FULL = Synth.of(Synth.FULL_EDGE);
    private static final Synth.Result OWN = Synth.of(Synth.OWN_ISSUER);

    @Test
    void cognitoIsAMachineToMachineIssuerWithTwoScopesAndOneHourTokens() {
        COGNITO_NO_CERTIFICATE.hasResource("AWS::Cognito::UserPool", Match.objectLike(Map.of(
                "DeletionPolicy", "Retain",
                "Properties", Match.objectLike(Map.of(
                        "AdminCreateUserConfig", Map.of("AllowAdminCreateUserOnly", true),
                        "DeletionProtection", "ACTIVE",
                        "UserPoolTier", "ESSENTIALS",
                        "MfaConfiguration", "ON")))));
        COGNITO_NO_CERTIFICATE.hasResourceProperties("AWS::Cognito::UserPoolResourceServer", Map.of(
                "Identifier", "product-api",
                "Name", "product-service API",
                "UserPoolId", Map.of("Ref", "UserPool"),
                "Scopes", List.of(Map.of("ScopeName", "products.read", "ScopeDescription", "Read products"),
                                  Map.of("ScopeName", "products.write", "ScopeDescription", "Create, change and delete products"))));
        COGNITO_NO_CERTIFICATE.hasResourceProperties("AWS::Cognito::UserPoolClient", Match.objectLike(Map.of(
                "GenerateSecret", true,
                "AllowedOAuthFlows", List.of("client_credentials"),
                "AllowedOAuthFlowsUserPoolClient", true,
                "AllowedOAuthScopes", List.of(scope("products.read"), scope("products.write")),
                "AccessTokenValidity", 60,
                "TokenValidityUnits", Match.objectLike(Map.of("AccessToken", "minutes")),
                "SupportedIdentityProviders", List.of("COGNITO"))));
        // The prefix is derived from the stage and the account: unique without a context flag.
        COGNITO_NO_CERTIFICATE.hasResourceProperties("AWS::Cognito::UserPoolDomain", Map.of(
                "Domain", Map.of("Fn::Join", List.of("", List.of("product-service-prod-", Map.of("Ref", "AWS::AccountId")))),
                "UserPoolId", Map.of("Ref", "UserPool")));

        Map<String, Map<String, Object>> outputs = COGNITO_NO_CERTIFICATE.findOutputs("*");
        Map<String, Object> issuer = Map.of("Fn::GetAtt", List.of("UserPool", "ProviderURL"));
        assertThat(value(outputs, "AuthProvider")).isEqualTo("cognito");
        assertThat(value(outputs, "AuthIssuer")).isEqualTo(issuer);
        assertThat(value(outputs, "AuthJwksUrl")).isEqualTo(Map.of("Fn::Join", List.of("", List.of(issuer, "/.well-known/jwks.json"))));
        assertThat(value(outputs, "AuthAudience")).isEqualTo(Map.of("Ref", "MachineClient"));
        assertThat(value(outputs, "AuthClientId")).isEqualTo(Map.of("Ref", "MachineClient"));
        // Cognito's access tokens have no aud; they name their client in client_id.
        assertThat(value(outputs, "AuthAudienceClaim")).isEqualTo("client_id");
        assertThat(value(outputs, "AuthScopesRead")).isEqualTo("product-api/products.read");
        assertThat(value(outputs, "AuthScopesWrite")).isEqualTo("product-api/products.write");
        assertThat(value(outputs, "AuthTokenUrl").toString()).contains("auth.", "amazoncognito.com/oauth2/token");
    }

    @Test
    void ownIssuerCreatesNoCognitoAndPassesItsValuesThrough() {
        Template template = OWN.template();
        for (String type : List.of("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain",
                                   "AWS::Cognito::UserPoolResourceServer")) {
            template.resourceCountIs(type, 0);
        }
        Map<String, Map<String, Object>> outputs = template.findOutputs("*");
        assertThat(value(outputs, "AuthProvider")).isEqualTo("external");
        assertThat(value(outputs, "AuthIssuer")).isEqualTo(Synth.OWN_ISSUER_URL);
        assertThat(value(outputs, "AuthJwksUrl")).isEqualTo(Synth.OWN_ISSUER_URL + "/v1/keys");
        assertThat(value(outputs, "AuthAudience")).isEqualTo("api://products");
        assertThat(value(outputs, "AuthAudienceClaim")).isEqualTo("aud");
        assertThat(value(outputs, "AuthScopesRead")).isEqualTo("products:read");
        assertThat(value(outputs, "AuthScopesWrite")).isEqualTo("products:write");
        assertThat(outputs).doesNotContainKeys("AuthTokenUrl", "AuthClientId");
    }

    @Test
    void certificateFromADomainIsValidatedByDnsInTheHostedZone() {
        FULL.template().hasResourceProperties("AWS::CertificateManager::Certificate", Map.of(
                "DomainName", "api.example.com",
                "ValidationMethod", "DNS",
                "DomainValidationOptions", List.of(Map.of("DomainName", "api.example.com", "HostedZoneId", "Z0123456789ABCDEFGHIJ")),
                "Tags", Match.anyValue()));
        Map<String, Map<String, Object>> outputs = FULL.template().findOutputs("*");
        assertThat(value(outputs, "CertificateArn")).isEqualTo(Map.of("Ref", "Certificate"));
        assertThat(value(outputs, "ApiBaseUrl")).isEqualTo("https://api.example.com");
        assertThat(value(outputs, "ApiDomainName")).isEqualTo("api.example.com");
    }

    @Test
    void existingCertificateIsUsedAsIsAndAbsentOneMeansNoHttpsOutputs() {
        OWN.template().resourceCountIs("AWS::CertificateManager::Certificate", 0);
        Map<String, Map<String, Object>> outputs = OWN.template().findOutputs("*");
        assertThat(value(outputs, "CertificateArn")).isEqualTo(Synth.CERTIFICATE_ARN);
        assertThat(value(outputs, "ApiBaseUrl")).isEqualTo("https://api.example.com");

        COGNITO_NO_CERTIFICATE.resourceCountIs("AWS::CertificateManager::Certificate", 0);
        assertThat(COGNITO_NO_CERTIFICATE.findOutputs("*")).doesNotContainKeys("CertificateArn", "ApiBaseUrl", "ApiDomainName");
    }

    @Test
    void webAclHasTheManagedRulesARateLimitPerIpAndTheApisBodyLimit() {
        Capture rules = new Capture();
        COGNITO_NO_CERTIFICATE.hasResourceProperties("AWS::WAFv2::WebACL", Match.objectLike(Map.of(
                "Scope", "REGIONAL",
                "DefaultAction", Map.of("Allow", Map.of()),
                "VisibilityConfig", Match.objectLike(Map.of("CloudWatchMetricsEnabled", true, "SampledRequestsEnabled", true)),
                "Rules", rules)));
        List<Object> all = rules.asArray();
        assertThat(all.stream().map(rule -> (Object) ((Map<?, ?>) rule).get("Name")).toList()).containsExactly(
                "AWSManagedRulesAmazonIpReputationList", "RateLimitPerClientIp", "BodyLargerThanTheApiAccepts",
                "ChunkedBodyLargerThanTheWafSees", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet");
        assertThat(all.stream().map(rule -> (Object) ((Map<?, ?>) rule).get("Priority")).toList()).containsExactly(0, 1, 2, 3, 4, 5);
        for (Object rule : all) {
            String name = (String) ((Map<?, ?>) rule).get("Name");
            assertThat(((Map<?, ?>) rule).get("VisibilityConfig")).as(name).isEqualTo(Map.of(
                    "CloudWatchMetricsEnabled", true, "SampledRequestsEnabled", true, "MetricName", name));
        }
        assertThat(all.get(1)).isEqualTo(Map.of(
                "Name", "RateLimitPerClientIp",
                "Priority", 1,
                "Action", Map.of("Block", Map.of()),
                "Statement", Map.of("RateBasedStatement", Map.of("AggregateKeyType", "IP", "Limit", 2000, "EvaluationWindowSec", 300)),
                "VisibilityConfig", ((Map<?, ?>) all.get(1)).get("VisibilityConfig")));
        assertThat(all.get(2).toString()).contains("content-length", "Block", "RegexString=" + ApiEdge.greaterThan(65_536));
        assertThat(all.get(3)).isEqualTo(chunkedBodyRule(8_192, ((Map<?, ?>) all.get(3)).get("VisibilityConfig")));
        // The common set's 8 KB body rule only counts: the API's own limit is 64 KiB.
        assertThat(all.get(4).toString()).contains("RuleActionOverrides", "SizeRestrictions_BODY", "Count");

        Capture ownRules = new Capture();
        OWN.template().hasResourceProperties("AWS::WAFv2::WebACL", Match.objectLike(Map.of("Rules", ownRules)));
        assertThat(ownRules.asArray().get(1).toString()).contains("Limit=500");
        assertThat(ownRules.asArray().get(2).toString()).contains("RegexString=" + ApiEdge.greaterThan(1_048_576));
        // A larger limit changes nothing for a chunked body: WAF sees its first 8 KB, no more.
        assertThat(ownRules.asArray().get(3)).isEqualTo(chunkedBodyRule(8_192, ((Map<?, ?>) ownRules.asArray().get(3)).get("VisibilityConfig")));
        assertThat(value(COGNITO_NO_CERTIFICATE.findOutputs("*"), "WebAclArn")).isEqualTo(Map.of("Fn::GetAtt", List.of("WebAcl", "Arn")));
    }

    @Test
    void aChunkedBodyIsSizeCheckedAgainstALimitBelowWhatWafSees() {
        // The test's own context: a limit under the 8 KB that WAF inspects is enforced on chunked bodies as is.
        Capture rules = new Capture();
        Synth.of(Map.of("stage", "dev", "identity", "irsa", "oidcProviderArn", Synth.OIDC_PROVIDER_ARN, "maxBodyBytes", "4096"))
                .template().hasResourceProperties("AWS::WAFv2::WebACL", Match.objectLike(Map.of("Rules", rules)));
        Object chunked = rules.asArray().get(3);
        assertThat(chunked).isEqualTo(chunkedBodyRule(4_096, ((Map<?, ?>) chunked).get("VisibilityConfig")));
        assertThat(rules.asArray().get(2).toString()).contains("RegexString=" + ApiEdge.greaterThan(4_096));
    }

    /**
     * The rule for bodies without a declared length, in full: a Transfer-Encoding header, or no
     * Content-Length, and a body longer than the limit or than WAF inspects (oversize: a match).
     */
    private static Map<String, Object> chunkedBodyRule(int size, Object visibility) {
        List<Map<String, Object>> none = List.of(Map.of("Priority", 0, "Type", "NONE"));
        Map<String, Object> transferEncoding = Map.of("SizeConstraintStatement", Map.of(
                "FieldToMatch", Map.of("SingleHeader", Map.of("Name", "transfer-encoding")),
                "ComparisonOperator", "GE", "Size", 0, "TextTransformations", none));
        Map<String, Object> contentLength = Map.of("SizeConstraintStatement", Map.of(
                "FieldToMatch", Map.of("SingleHeader", Map.of("Name", "content-length")),
                "ComparisonOperator", "GE", "Size", 0, "TextTransformations", none));
        Map<String, Object> body = Map.of("SizeConstraintStatement", Map.of(
                "FieldToMatch", Map.of("Body", Map.of("OversizeHandling", "MATCH")),
                "ComparisonOperator", "GT", "Size", size, "TextTransformations", none));
        return Map.of(
                "Name", "ChunkedBodyLargerThanTheWafSees",
                "Priority", 3,
                "Action", Map.of("Block", Map.of()),
                "Statement", Map.of("AndStatement", Map.of("Statements", List.of(
                        Map.of("OrStatement", Map.of("Statements", List.of(
                                transferEncoding, Map.of("NotStatement", Map.of("Statement", contentLength))))),
                        body))),
                "VisibilityConfig", visibility);
    }

    @Test
    void bodyLimitExpressionMatchesExactlyTheLengthsAboveTheLimit() {
        for (long limit : new long[] {9, 10, 99, 100, 65_536, 1_048_576, 999_999}) {
            Pattern larger = Pattern.compile(ApiEdge.greaterThan(limit));
            for (long n = Math.max(0, limit - 1_200); n <= limit + 1_200; n++) {
                assertThat(larger.matcher(Long.toString(n)).matches()).as("%d > %d", n, limit).isEqualTo(n > limit);
            }
            assertThat(larger.matcher("0" + (limit + 1)).matches()).isTrue();
            assertThat(larger.matcher(Long.toString(limit * 1000)).matches()).isTrue();
            assertThat(larger.matcher("0").matches()).isFalse();
            assertThat(larger.matcher("").matches()).isFalse();
        }
    }

    @Test
    void accessLogBucketIsEncryptedPrivateSslOnlyAndExpires() {
        Template template = FULL.template();
        template.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
                        "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
                "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
                                                         "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
                "LifecycleConfiguration", Map.of("Rules", List.of(Map.of(
                        "Id", "expire-access-logs", "Status", "Enabled", "ExpirationInDays", 90,
                        "AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 1)))))));
        Capture statements = new Capture();
        template.hasResourceProperties("AWS::S3::BucketPolicy", Match.objectLike(Map.of(
                "PolicyDocument", Match.objectLike(Map.of("Statement", statements)))));
        assertThat(statements.asArray().get(0)).isEqualTo(Map.of(
                "Action", "s3:*",
                "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")),
                "Effect", "Deny",
                "Principal", Map.of("AWS", "*"),
                "Resource", List.of(Map.of("Fn::GetAtt", List.of("AccessLogBucket", "Arn")),
                                    Map.of("Fn::Join", List.of("", List.of(Map.of("Fn::GetAtt", List.of("AccessLogBucket", "Arn")), "/*"))))));
        assertThat(statements.asArray().stream().map(s -> (Object) ((Map<?, ?>) s).get("Sid")).toList())
                .containsExactly(null, "AlbAccessLogDeliveryLegacyRegions", "AlbAccessLogDelivery");
        assertThat(value(template.findOutputs("*"), "AccessLogBucketName")).isEqualTo(Map.of("Ref", "AccessLogBucket"));
        COGNITO_NO_CERTIFICATE.resourceCountIs("AWS::S3::Bucket", 0);
    }

    @Test
    void alarmsNotifyTheTopicAndNetworkFactsAreOutputs() {
        FULL.template().allResourcesProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
                "AlarmActions", List.of("arn:aws:sns:eu-west-1:123456789012:ops"))));
        Map<String, Map<String, Object>> outputs = FULL.template().findOutputs("*");
        assertThat(value(outputs, "VpcCidr")).isEqualTo("10.0.0.0/16");
        assertThat(value(outputs, "AlbSubnetCidrs")).isEqualTo("10.0.0.0/24,10.0.1.0/24");
        assertThat(value(outputs, "NodeSubnetCidrs")).isEqualTo("10.0.16.0/20,10.0.32.0/20");
        // Without them, no output: make k8s-config then asks for them instead of guessing.
        assertThat(COGNITO_NO_CERTIFICATE.findOutputs("*")).doesNotContainKeys("VpcCidr", "AlbSubnetCidrs", "NodeSubnetCidrs");
    }

    @Test
    void cdkNagAwsSolutionsFindsNothingInEitherEdge() {
        for (Synth.Result result : List.of(FULL, OWN)) {
            assertThat(result.annotations().findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
            assertThat(result.annotations().findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
            assertThat(result.annotations().findError("*", Match.anyValue())).isEmpty();
        }
    }

    @Test
    void exampleOutputsAreExactlyTheOutputsOfTheFullStack() throws IOException {
        // k8s/overlays/aws/outputs.example.json is what `make infra-deploy` writes for FULL_EDGE;
        // the deploy tests render the overlay from it, so it must not drift from the stack.
        @SuppressWarnings("unchecked")
        Map<String, Map<String, String>> example = new ObjectMapper().readValue(
                Files.readString(Path.of("../k8s/overlays/aws/outputs.example.json")), Map.class);
        assertThat(example).containsOnlyKeys(FULL.stack().getStackName());
        assertThat(FULL.stack().getStackName()).isEqualTo("product-service-prod");
        Map<String, Map<String, Object>> outputs = FULL.template().findOutputs("*");
        assertThat(example.get("product-service-prod").keySet()).containsExactlyInAnyOrderElementsOf(outputs.keySet());
        // Literal outputs must be literally the same.
        outputs.forEach((key, output) -> {
            if (output.get("Value") instanceof String literal) {
                assertThat(example.get("product-service-prod").get(key)).as(key).isEqualTo(literal);
            }
        });
    }

    @Test
    void contextMistakesSayWhatToDo() {
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("issuer", "https://id.example.com")).getNode()))
                .hasMessageContaining("-c audience=");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("issuer", "http://id.example.com", "audience", "a")).getNode()))
                .hasMessageContaining("https URL");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("audience", "a")).getNode()))
                .hasMessageContaining("needs -c issuer=");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("domainName", "api.example.com")).getNode()))
                .hasMessageContaining("hostedZoneId");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("certificateArn", "arn:aws:acm:x")).getNode()))
                .hasMessageContaining("not an ACM certificate ARN");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("albSubnetCidrs", "0.0.0.0/0")).getNode()))
                .hasMessageContaining("not 0.0.0.0/0");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("nodeSubnetCidrs", "10.0.16.0/20,0.0.0.0/0")).getNode()))
                .hasMessage("nodeSubnetCidrs must name the nodes' subnets, not 0.0.0.0/0");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("nodeSubnetCidrs", "10.0.16.0")).getNode()))
                .hasMessageContaining("nodeSubnetCidrs holds something that is not an IPv4 CIDR: 10.0.16.0");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("wafRateLimit", "5")).getNode()))
                .hasMessageContaining("wafRateLimit");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("cognitoDomainPrefix", "my-aws-pool")).getNode()))
                .hasMessageContaining("cognitoDomainPrefix");
    }

    private static Map<String, Object> scope(String name) {
        return Map.of("Fn::Join", List.of("", List.of(Map.of("Ref", "IdentityUserPoolResourceServerC5B29AC9"), "/" + name)));
    }

    private static Object value(Map<String, Map<String, Object>> outputs, String key) {
        assertThat(outputs).containsKey(key);
        return outputs.get(key).get("Value");
    }
}
