package org.productservice.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.productservice.infra.EdgeSettings.DnsValidatedCertificate;
import org.productservice.infra.EdgeSettings.ExistingCertificate;
import org.productservice.infra.EdgeSettings.NoCertificate;
import org.productservice.infra.EdgeSettings.Tls;
import org.productservice.infra.EdgeSettings.Waf;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.regioninfo.FactName;
import software.amazon.awscdk.services.certificatemanager.Certificate;
import software.amazon.awscdk.services.certificatemanager.CertificateValidation;
import software.amazon.awscdk.services.certificatemanager.ICertificate;
import software.amazon.awscdk.services.iam.AccountPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.route53.HostedZone;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CfnBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.wafv2.CfnWebACL;
import software.amazon.awscdk.services.wafv2.CfnWebACL.RuleProperty;
import software.constructs.Construct;

/**
 * What stands between the internet and the load balancer the AWS Load Balancer Controller
 * creates: the TLS certificate it serves, the WAF web ACL it is associated with, and the bucket
 * that receives its access logs. The controller attaches them by the ARNs and name that
 * {@code make k8s-config} copies from the outputs into the Ingress annotations.
 */
public final class ApiEdge extends Construct {
    /** Key prefix of the ALB's access logs in the bucket. */
    public static final String ACCESS_LOG_PREFIX = "product-service";
    /** Bytes of a request body that WAF inspects behind an ALB (fixed; only CloudFront and API Gateway may raise it). */
    static final long INSPECTION_LIMIT = 8_192;
    private static final List<CfnWebACL.TextTransformationProperty> NO_TRANSFORMATION =
            List.of(CfnWebACL.TextTransformationProperty.builder().priority(0).type("NONE").build());

    private final Optional<ICertificate> certificate;
    private final Optional<String> domainName;
    private final CfnWebACL webAcl;
    private final Optional<Bucket> accessLogs;

    /**
     * Creates the certificate, the web ACL and, if asked, the log bucket.
     *
     * @param scope          parent
     * @param id             construct id
     * @param tls            which certificate
     * @param waf            the web ACL's limits
     * @param accessLogDays  days to keep ALB access logs; empty: no bucket
     * @param protectData    keep the bucket when the stack is deleted (outside dev stages)
     */
    public ApiEdge(Construct scope, String id, Tls tls, Waf waf, Optional<Integer> accessLogDays, boolean protectData) {
        super(scope, id);
        switch (tls) {
            case NoCertificate ignored -> {
                certificate = Optional.empty();
                domainName = Optional.empty();
            }
            case ExistingCertificate existing -> {
                certificate = Optional.of(Certificate.fromCertificateArn(this, "Certificate", existing.certificateArn()));
                domainName = existing.domainName();
            }
            case DnsValidatedCertificate requested -> {
                certificate = Optional.of(Certificate.Builder.create(this, "Certificate")
                        .domainName(requested.domainName())
                        .validation(CertificateValidation.fromDns(
                                HostedZone.fromHostedZoneId(this, "Zone", requested.hostedZoneId())))
                        .build());
                ((software.amazon.awscdk.services.certificatemanager.CfnCertificate) certificate.get().getNode().getDefaultChild())
                        .overrideLogicalId("Certificate");
                domainName = Optional.of(requested.domainName());
            }
        }
        webAcl = webAcl(waf);
        accessLogs = accessLogDays.map(days -> accessLogBucket(days, protectData));
    }

    private CfnWebACL webAcl(Waf waf) {
        List<RuleProperty> rules = new ArrayList<>();
        // Cheapest first: a known-bad address or a flooding client is dropped before the
        // heavier managed rules look at the request.
        rules.add(managed("AWSManagedRulesAmazonIpReputationList", rules.size(), List.of()));
        rules.add(rule("RateLimitPerClientIp", rules.size(), CfnWebACL.StatementProperty.builder()
                .rateBasedStatement(CfnWebACL.RateBasedStatementProperty.builder()
                                            .aggregateKeyType("IP")
                                            .limit(waf.requestsPer5Minutes())
                                            .evaluationWindowSec(300)
                                            .build())
                .build()));
        rules.add(rule("BodyLargerThanTheApiAccepts", rules.size(), CfnWebACL.StatementProperty.builder()
                .regexMatchStatement(CfnWebACL.RegexMatchStatementProperty.builder()
                                             .fieldToMatch(CfnWebACL.FieldToMatchProperty.builder()
                                                                   .singleHeader(Map.of("Name", "content-length"))
                                                                   .build())
                                             .regexString(greaterThan(waf.maxBodyBytes()))
                                             .textTransformations(NO_TRANSFORMATION)
                                             .build())
                .build()));
        // A body whose length is not declared up front (Transfer-Encoding: chunked, or HTTP/2
        // without Content-Length) passes the rule above; with both headers, chunked wins, so the
        // declared length means nothing. Behind an ALB, WAF sees only the first 8 KB of a body
        // (INSPECTION_LIMIT): such a body is size-checked within that window, and anything longer
        // counts as too large (oversize handling MATCH). Small chunked bodies still pass, and the
        // service's own limits.body applies to them. Every method: a size check has no false
        // positive on a request without a body, and a list of methods would be one more way around.
        rules.add(rule("ChunkedBodyLargerThanTheWafSees", rules.size(), and(
                or(headerPresent("transfer-encoding"), not(headerPresent("content-length"))),
                bodyLongerThan(Math.min(waf.maxBodyBytes(), INSPECTION_LIMIT)))));
        // The common rule set blocks bodies over 8 KB (all an ALB lets WAF inspect); the API
        // accepts up to limits.body, which the two rules above enforce, so that one rule only counts.
        rules.add(managed("AWSManagedRulesCommonRuleSet", rules.size(), List.of("SizeRestrictions_BODY")));
        rules.add(managed("AWSManagedRulesKnownBadInputsRuleSet", rules.size(), List.of()));

        CfnWebACL acl = CfnWebACL.Builder.create(this, "WebAcl")
                .scope("REGIONAL")
                .description("product-service API: managed rules, a rate limit per client IP and a body size limit")
                .defaultAction(CfnWebACL.DefaultActionProperty.builder()
                                       .allow(CfnWebACL.AllowActionProperty.builder().build())
                                       .build())
                .visibilityConfig(visibility("product-service-" + Aws.STACK_NAME))
                .rules(rules)
                .build();
        acl.overrideLogicalId("WebAcl");
        return acl;
    }

    /**
     * True when the request has the header, whatever its value: a request without the field to
     * match never matches (WAF's rule for missing components), one with it is at least 0 long.
     */
    private static CfnWebACL.StatementProperty headerPresent(String name) {
        return CfnWebACL.StatementProperty.builder()
                .sizeConstraintStatement(CfnWebACL.SizeConstraintStatementProperty.builder()
                                                 .fieldToMatch(CfnWebACL.FieldToMatchProperty.builder()
                                                                       .singleHeader(Map.of("Name", name))
                                                                       .build())
                                                 .comparisonOperator("GE")
                                                 .size(0)
                                                 .textTransformations(NO_TRANSFORMATION)
                                                 .build())
                .build();
    }

    /** True when the body is longer than {@code bytes}, or longer than WAF inspects. */
    private static CfnWebACL.StatementProperty bodyLongerThan(long bytes) {
        return CfnWebACL.StatementProperty.builder()
                .sizeConstraintStatement(CfnWebACL.SizeConstraintStatementProperty.builder()
                                                 .fieldToMatch(CfnWebACL.FieldToMatchProperty.builder()
                                                                       .body(CfnWebACL.BodyProperty.builder()
                                                                                     .oversizeHandling("MATCH")
                                                                                     .build())
                                                                       .build())
                                                 .comparisonOperator("GT")
                                                 .size(bytes)
                                                 .textTransformations(NO_TRANSFORMATION)
                                                 .build())
                .build();
    }

    private static CfnWebACL.StatementProperty and(CfnWebACL.StatementProperty... statements) {
        return CfnWebACL.StatementProperty.builder()
                .andStatement(CfnWebACL.AndStatementProperty.builder().statements(List.of(statements)).build())
                .build();
    }

    private static CfnWebACL.StatementProperty or(CfnWebACL.StatementProperty... statements) {
        return CfnWebACL.StatementProperty.builder()
                .orStatement(CfnWebACL.OrStatementProperty.builder().statements(List.of(statements)).build())
                .build();
    }

    private static CfnWebACL.StatementProperty not(CfnWebACL.StatementProperty statement) {
        return CfnWebACL.StatementProperty.builder()
                .notStatement(CfnWebACL.NotStatementProperty.builder().statement(statement).build())
                .build();
    }

    private static RuleProperty managed(String name, int priority, List<String> countOnly) {
        CfnWebACL.ManagedRuleGroupStatementProperty.Builder group = CfnWebACL.ManagedRuleGroupStatementProperty.builder()
                .vendorName("AWS")
                .name(name);
        if (!countOnly.isEmpty()) {
            group.ruleActionOverrides(countOnly.stream()
                                              .map(rule -> CfnWebACL.RuleActionOverrideProperty.builder()
                                                      .name(rule)
                                                      .actionToUse(CfnWebACL.RuleActionProperty.builder()
                                                                           .count(CfnWebACL.CountActionProperty.builder().build())
                                                                           .build())
                                                      .build())
                                              .toList());
        }
        return RuleProperty.builder()
                .name(name)
                .priority(priority)
                .overrideAction(CfnWebACL.OverrideActionProperty.builder().none(Map.of()).build())
                .statement(CfnWebACL.StatementProperty.builder().managedRuleGroupStatement(group.build()).build())
                .visibilityConfig(visibility(name))
                .build();
    }

    private static RuleProperty rule(String name, int priority, CfnWebACL.StatementProperty statement) {
        return RuleProperty.builder()
                .name(name)
                .priority(priority)
                .action(CfnWebACL.RuleActionProperty.builder().block(CfnWebACL.BlockActionProperty.builder().build()).build())
                .statement(statement)
                .visibilityConfig(visibility(name))
                .build();
    }

    private static CfnWebACL.VisibilityConfigProperty visibility(String metricName) {
        return CfnWebACL.VisibilityConfigProperty.builder()
                .cloudWatchMetricsEnabled(true)
                .sampledRequestsEnabled(true)
                .metricName(metricName)
                .build();
    }

    /**
     * A regular expression that matches the decimal numbers greater than {@code limit} (leading
     * zeros allowed), for the Content-Length header: WAF compares header sizes only as string
     * lengths, so "larger than N" is spelled out digit by digit.
     *
     * @param limit the largest number that must not match
     * @return the expression, anchored
     */
    static String greaterThan(long limit) {
        String digits = Long.toString(limit);
        List<String> alternatives = new ArrayList<>();
        // More digits than the limit.
        alternatives.add("[1-9][0-9]{" + digits.length() + ",}");
        // Same length: equal up to position i, then a larger digit, then anything.
        for (int i = 0; i < digits.length(); i++) {
            int digit = digits.charAt(i) - '0';
            if (digit == 9) {
                continue;
            }
            int rest = digits.length() - i - 1;
            String larger = digit + 1 == 9 ? "9" : "[" + (digit + 1) + "-9]";
            alternatives.add(digits.substring(0, i) + larger + (rest == 0 ? "" : "[0-9]{" + rest + "}"));
        }
        return "^0*(" + String.join("|", alternatives) + ")$";
    }

    private Bucket accessLogBucket(int days, boolean protectData) {
        Bucket bucket = Bucket.Builder.create(this, "AccessLogs")
                // ALB log delivery writes with SSE-S3 only (not SSE-KMS).
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .lifecycleRules(List.of(LifecycleRule.builder()
                                                .id("expire-access-logs")
                                                .expiration(Duration.days(days))
                                                .abortIncompleteMultipartUploadAfter(Duration.days(1))
                                                .build()))
                .removalPolicy(protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
                .build();
        // Its name goes into the Ingress annotation; a replaced bucket would break log delivery.
        ((CfnBucket) bucket.getNode().getDefaultChild()).overrideLogicalId("AccessLogBucket");
        String objects = bucket.arnForObjects(ACCESS_LOG_PREFIX + "/AWSLogs/" + Aws.ACCOUNT_ID + "/*");
        // Regions opened before August 2022 deliver from a regional ELB account, newer ones as the
        // log delivery service; the regional fact resolves the account where one exists.
        String elbAccount = Stack.of(this).regionalFact(FactName.ELBV2_ACCOUNT);
        bucket.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("AlbAccessLogDeliveryLegacyRegions")
                .effect(Effect.ALLOW)
                .principals(List.of(new AccountPrincipal(elbAccount)))
                .actions(List.of("s3:PutObject"))
                .resources(List.of(objects))
                .build());
        bucket.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("AlbAccessLogDelivery")
                .effect(Effect.ALLOW)
                .principals(List.of(new ServicePrincipal("logdelivery.elasticloadbalancing.amazonaws.com")))
                .actions(List.of("s3:PutObject"))
                .resources(List.of(objects))
                .build());
        NagSuppressions.addResourceSuppressions(bucket, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-S1")
                .reason("This bucket holds access logs; logging access to it would need another log bucket, and so on.")
                .build()));
        return bucket;
    }

    /** @return the certificate the ALB serves, if any */
    public Optional<ICertificate> certificate() {
        return certificate;
    }

    /** @return the API's host name, if known */
    public Optional<String> domainName() {
        return domainName;
    }

    /** @return the WAF web ACL */
    public CfnWebACL webAcl() {
        return webAcl;
    }

    /** @return the access log bucket, if asked for */
    public Optional<Bucket> accessLogs() {
        return accessLogs;
    }
}
