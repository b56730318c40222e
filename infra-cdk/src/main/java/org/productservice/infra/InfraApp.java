package org.productservice.infra;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.productservice.infra.ProductServiceProps.AwsManagedKey;
import org.productservice.infra.ProductServiceProps.Capacity;
import org.productservice.infra.ProductServiceProps.CustomerManagedKey;
import org.productservice.infra.ProductServiceProps.Encryption;
import org.productservice.infra.ProductServiceProps.Irsa;
import org.productservice.infra.ProductServiceProps.OnDemand;
import org.productservice.infra.ProductServiceProps.PodIdentity;
import org.productservice.infra.ProductServiceProps.Provisioned;
import org.productservice.infra.ProductServiceProps.ServiceAccount;
import org.productservice.infra.ProductServiceProps.ServiceIdentity;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.constructs.Node;

/**
 * The CDK app: reads the deployment's settings from CDK context ({@code cdk.json}, or
 * {@code -c key=value}, which {@code make synth CDK_CONTEXT=...} passes), builds one
 * {@link ProductServiceStack} and checks it with cdk-nag's AwsSolutions rules. An unsuppressed
 * finding is an error annotation, which fails {@code cdk synth} and {@code cdk deploy}.
 *
 * <p>Without {@code account}/{@code region} the stack is environment-agnostic: it needs no AWS
 * lookups, so it synthesizes offline, and deploys to the account and region of the credentials.
 *
 * <pre>{@code
 * npx cdk synth -c stage=prod -c identity=irsa \
 *     -c oidcProviderArn=arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC
 * }</pre>
 */
public final class InfraApp {
    private InfraApp() {
    }

    /**
     * Synthesizes the app into {@code cdk.out}.
     *
     * @param args ignored; settings come from context
     */
    public static void main(String[] args) {
        App app = new App();
        build(app);
        app.synth();
    }

    /**
     * Adds the stack, configured from the app's context, and the cdk-nag checks to an app.
     *
     * @param app the app
     * @return the stack
     */
    public static ProductServiceStack build(App app) {
        ProductServiceProps props = props(app.getNode());
        ProductServiceStack stack = new ProductServiceStack(app, "product-service-" + props.stage(), props);
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        return stack;
    }

    /**
     * Reads the stack's settings from context. Every key and its default is listed in docs/DEPLOY-AWS.md.
     *
     * @param context node whose context to read
     * @return the settings
     */
    static ProductServiceProps props(Node context) {
        String stage = string(context, "stage").orElse("dev");
        // Only development stages may lose their data with the stack; every other stage keeps
        // tables and key (RETAIN) and refuses table deletion (deletion protection).
        boolean protectData = !(stage.equals("dev") || stage.startsWith("dev-"));

        StackProps.Builder stackProps = StackProps.builder()
                .description("product-service: DynamoDB tables and the service's IAM role (stage " + stage + ")");
        Optional<String> account = string(context, "account");
        Optional<String> region = string(context, "region");
        if (account.isPresent() || region.isPresent()) {
            stackProps.env(Environment.builder().account(account.orElse(null)).region(region.orElse(null)).build());
        }

        return new ProductServiceProps(stackProps.build(),
                                       stage,
                                       protectData,
                                       capacity(context),
                                       encryption(context),
                                       bool(context, "contributorInsights", false),
                                       identity(context),
                                       edge(context));
    }

    /** Requests per client IP and 5 minutes before the WAF blocks it (WAF's own default is 2,000 too). */
    static final int DEFAULT_WAF_RATE_LIMIT = 2_000;
    /** The service's default {@code limits.body} (application.yaml). */
    static final long DEFAULT_MAX_BODY_BYTES = 65_536;
    /** Default on-demand caps per table and index (request units per second); docs/DEPLOY-AWS.md, "Cost at rest", has the prices. */
    static final int DEFAULT_MAX_READ_REQUEST_UNITS = 1_000;
    static final int DEFAULT_MAX_WRITE_REQUEST_UNITS = 200;

    private static EdgeSettings edge(Node context) {
        return new EdgeSettings(identityProvider(context),
                                tls(context),
                                new EdgeSettings.Waf(integer(context, "wafRateLimit", DEFAULT_WAF_RATE_LIMIT),
                                                     integer(context, "maxBodyBytes", (int) DEFAULT_MAX_BODY_BYTES)),
                                bool(context, "accessLogs", false)
                                        ? Optional.of(integer(context, "accessLogDays", 90)) : Optional.empty(),
                                new EdgeSettings.Network(string(context, "vpcCidr"),
                                                         list(context, "albSubnetCidrs"),
                                                         list(context, "nodeSubnetCidrs")),
                                string(context, "alarmTopicArn"));
    }

    private static EdgeSettings.IdentityProvider identityProvider(Node context) {
        Optional<String> issuer = string(context, "issuer");
        if (issuer.isEmpty()) {
            for (String key : new String[] {"audience", "jwks", "audienceClaim", "scopesRead", "scopesWrite"}) {
                if (string(context, key).isPresent()) {
                    throw new IllegalArgumentException(key + " is for your own identity provider and needs -c issuer=https://...");
                }
            }
            return new EdgeSettings.Cognito(string(context, "cognitoDomainPrefix"));
        }
        if (string(context, "cognitoDomainPrefix").isPresent()) {
            throw new IllegalArgumentException("cognitoDomainPrefix and issuer exclude each other: with issuer the stack creates no Cognito");
        }
        return new EdgeSettings.ExternalIssuer(issuer.get(),
                                               string(context, "audience").orElse(null),
                                               string(context, "jwks"),
                                               string(context, "audienceClaim").orElse("aud"),
                                               string(context, "scopesRead").orElse(ApiIdentity.READ_SCOPE),
                                               string(context, "scopesWrite").orElse(ApiIdentity.WRITE_SCOPE));
    }

    private static EdgeSettings.Tls tls(Node context) {
        Optional<String> arn = string(context, "certificateArn");
        Optional<String> domain = string(context, "domainName");
        if (arn.isPresent()) {
            if (string(context, "hostedZoneId").isPresent()) {
                throw new IllegalArgumentException("certificateArn and hostedZoneId exclude each other: "
                                                           + "the zone validates a certificate the stack requests");
            }
            return new EdgeSettings.ExistingCertificate(arn.get(), domain);
        }
        if (domain.isPresent()) {
            return new EdgeSettings.DnsValidatedCertificate(domain.get(), string(context, "hostedZoneId").orElse(null));
        }
        if (string(context, "hostedZoneId").isPresent()) {
            throw new IllegalArgumentException("hostedZoneId needs -c domainName=api.example.com");
        }
        return new EdgeSettings.NoCertificate();
    }

    private static Capacity capacity(Node context) {
        String billing = string(context, "billing").orElse("on-demand");
        return switch (billing) {
            case "on-demand" -> new OnDemand(integer(context, "maxReadRequestUnits", DEFAULT_MAX_READ_REQUEST_UNITS),
                                             integer(context, "maxWriteRequestUnits", DEFAULT_MAX_WRITE_REQUEST_UNITS));
            case "provisioned" -> new Provisioned(integer(context, "readCapacityMin", 1),
                                                  integer(context, "readCapacityMax", 10),
                                                  integer(context, "writeCapacityMin", 1),
                                                  integer(context, "writeCapacityMax", 10),
                                                  integer(context, "targetUtilization", 70));
            default -> throw new IllegalArgumentException("billing must be on-demand or provisioned, not " + billing);
        };
    }

    private static Encryption encryption(Node context) {
        String encryption = string(context, "encryption").orElse("aws-managed");
        return switch (encryption) {
            case "aws-managed" -> new AwsManagedKey();
            case "customer-managed" -> new CustomerManagedKey(string(context, "kmsKeyArn"));
            default -> throw new IllegalArgumentException("encryption must be aws-managed or customer-managed, not " + encryption);
        };
    }

    private static ServiceIdentity identity(Node context) {
        ServiceAccount account = new ServiceAccount(string(context, "namespace").orElse("product-service"),
                                                    string(context, "serviceAccount").orElse("product-service"));
        String identity = string(context, "identity").orElse("pod-identity");
        return switch (identity) {
            case "irsa" -> new Irsa(string(context, "oidcProviderArn").orElseThrow(() -> new IllegalArgumentException(
                    "identity=irsa needs -c oidcProviderArn=arn:aws:iam::<account>:oidc-provider/<issuer> "
                            + "(aws eks describe-cluster --query cluster.identity.oidc.issuer)")), account);
            case "pod-identity" -> new PodIdentity(string(context, "eksClusterName"), account);
            default -> throw new IllegalArgumentException("identity must be irsa or pod-identity, not " + identity);
        };
    }

    private static Optional<String> string(Node context, String key) {
        // -c values arrive as strings, cdk.json values as JSON types; blank means unset, so that
        // a Makefile variable left empty does not count as a value.
        return Optional.ofNullable(context.tryGetContext(key))
                .map(String::valueOf)
                .map(String::strip)
                .filter(value -> !value.isEmpty());
    }

    /** A comma-separated list; empty when unset. */
    private static List<String> list(Node context, String key) {
        return string(context, key)
                .map(values -> Arrays.stream(values.split(",")).map(String::strip).filter(value -> !value.isEmpty()).toList())
                .orElse(List.of());
    }

    private static boolean bool(Node context, String key, boolean defaultValue) {
        return string(context, key).map(value -> switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, not " + value);
        }).orElse(defaultValue);
    }

    private static int integer(Node context, String key, int defaultValue) {
        return string(context, key).map(value -> {
            try {
                // cdk.json numbers come back as doubles ("5.0").
                double number = Double.parseDouble(value);
                if (number != Math.rint(number)) {
                    throw new NumberFormatException();
                }
                return (int) number;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a whole number, not " + value, e);
            }
        }).orElse(defaultValue);
    }
}
