package org.productservice.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizes the app the way {@code cdk synth} does (cdk.json's feature flags, context from
 * {@code -c}, cdk-nag), once per context per test JVM: a synth costs seconds (jsii), so test
 * classes that need the same configuration share it.
 */
final class Synth {
    /** An OIDC provider ARN of the shape EKS creates. */
    static final String OIDC_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
    static final String OIDC_PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/" + OIDC_ISSUER;

    /** A production stage on IRSA with every other setting at its default. */
    static final Map<String, String> PRODUCTION = Map.of(
            "stage", "prod",
            "identity", "irsa",
            "oidcProviderArn", OIDC_PROVIDER_ARN);

    /** A dev stage with every option switched the other way. */
    static final Map<String, String> DEV_WITH_OPTIONS = Map.ofEntries(
            Map.entry("stage", "dev"),
            Map.entry("identity", "pod-identity"),
            Map.entry("eksClusterName", "shop"),
            Map.entry("namespace", "catalog"),
            Map.entry("serviceAccount", "products"),
            Map.entry("billing", "provisioned"),
            Map.entry("readCapacityMin", "2"),
            Map.entry("readCapacityMax", "40"),
            Map.entry("writeCapacityMin", "3"),
            Map.entry("writeCapacityMax", "30"),
            Map.entry("targetUtilization", "65"),
            Map.entry("encryption", "customer-managed"),
            Map.entry("contributorInsights", "true"));

    /**
     * Everything at the edge: Cognito, a certificate validated in a hosted zone, ALB access logs,
     * the network facts and an alarm topic; Pod Identity bound to a cluster. The example outputs
     * (k8s/overlays/aws/outputs.example.json) are this stack's.
     */
    static final Map<String, String> FULL_EDGE = Map.ofEntries(
            Map.entry("stage", "prod"),
            Map.entry("eksClusterName", "shop"),
            Map.entry("domainName", "api.example.com"),
            Map.entry("hostedZoneId", "Z0123456789ABCDEFGHIJ"),
            Map.entry("accessLogs", "true"),
            Map.entry("vpcCidr", "10.0.0.0/16"),
            Map.entry("albSubnetCidrs", "10.0.0.0/24, 10.0.1.0/24"),
            Map.entry("nodeSubnetCidrs", "10.0.16.0/20,10.0.32.0/20"),
            Map.entry("alarmTopicArn", "arn:aws:sns:eu-west-1:123456789012:ops"));

    /** Your own issuer and an existing certificate. */
    static final String OWN_ISSUER_URL = "https://example.okta.com/oauth2/default";
    static final String CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab";
    static final Map<String, String> OWN_ISSUER = Map.ofEntries(
            Map.entry("stage", "prod"),
            Map.entry("identity", "irsa"),
            Map.entry("oidcProviderArn", OIDC_PROVIDER_ARN),
            Map.entry("issuer", OWN_ISSUER_URL),
            Map.entry("audience", "api://products"),
            Map.entry("jwks", OWN_ISSUER_URL + "/v1/keys"),
            Map.entry("scopesRead", "products:read"),
            Map.entry("scopesWrite", "products:write"),
            Map.entry("certificateArn", CERTIFICATE_ARN),
            Map.entry("domainName", "api.example.com"),
            Map.entry("wafRateLimit", "500"),
            Map.entry("maxBodyBytes", "1048576"));

    private static final Map<Map<String, String>, Result> CACHE = new ConcurrentHashMap<>();

    private Synth() {
    }

    record Result(ProductServiceStack stack, Template template, Annotations annotations) {
    }

    static Result of(Map<String, String> context) {
        return CACHE.computeIfAbsent(context, Synth::synthesize);
    }

    /**
     * A fresh app with cdk.json's context plus the given keys, not yet synthesized.
     *
     * @param context extra context, as {@code -c key=value} would give it
     * @return the app
     */
    static App app(Map<String, ?> context) {
        Map<String, Object> all = new HashMap<>(cdkJsonContext());
        all.putAll(context);
        return new App(AppProps.builder().context(all).build());
    }

    private static Result synthesize(Map<String, String> context) {
        ProductServiceStack stack = InfraApp.build(app(context));
        // Template.fromStack synthesizes the whole app, running the cdk-nag aspect.
        Template template = Template.fromStack(stack);
        return new Result(stack, template, Annotations.fromStack(stack));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cdkJsonContext() {
        // Surefire runs in the module directory, next to cdk.json.
        try {
            Map<String, Object> cdkJson = new ObjectMapper().readValue(Files.readString(Path.of("cdk.json")), Map.class);
            return (Map<String, Object>) cdkJson.get("context");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
