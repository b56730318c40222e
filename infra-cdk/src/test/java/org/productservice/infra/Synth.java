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
