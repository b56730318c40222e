package org.productservice.infra;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import software.amazon.awscdk.StackProps;

/**
 * Everything that varies between deployments of {@link ProductServiceStack}. {@link InfraApp}
 * fills it from CDK context; tests build it directly.
 *
 * @param stackProps          account, region and description of the stack
 * @param stage               deployment stage, e.g. {@code dev} or {@code prod}; part of the stack name
 * @param protectData         retain tables and key on stack deletion and turn on deletion protection
 * @param capacity            billing of the tables
 * @param encryption          key that encrypts the tables at rest
 * @param contributorInsights turn on CloudWatch Contributor Insights (billed per event) for the tables and index
 * @param identity            how the service's pods obtain the role
 * @param edge                identity provider, certificate, firewall and network facts of the API's edge
 */
public record ProductServiceProps(StackProps stackProps,
                                  String stage,
                                  boolean protectData,
                                  Capacity capacity,
                                  Encryption encryption,
                                  boolean contributorInsights,
                                  ServiceIdentity identity,
                                  EdgeSettings edge) {
    private static final Pattern STAGE = Pattern.compile("[a-z][a-z0-9-]{0,30}");

    /** Checks the parts. */
    public ProductServiceProps {
        Objects.requireNonNull(stackProps, "stackProps");
        Objects.requireNonNull(stage, "stage");
        if (!STAGE.matcher(stage).matches()) {
            // It becomes part of the stack name and thus of every generated physical name.
            throw new IllegalArgumentException("stage must be lower-case letters, digits and '-', starting with a letter: " + stage);
        }
        Objects.requireNonNull(capacity, "capacity");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(edge, "edge");
    }

    /** How the tables are billed. */
    public sealed interface Capacity {
    }

    /**
     * Pay per request: nothing is billed for throughput while there is no traffic. The caps bound
     * the bill of a runaway or scraping client: beyond them DynamoDB throttles instead of billing.
     * They apply to each table and to each index separately.
     *
     * @param maxReadRequestUnits  most read request units per second
     * @param maxWriteRequestUnits most write request units per second
     */
    public record OnDemand(int maxReadRequestUnits, int maxWriteRequestUnits) implements Capacity {
        /** Checks the caps. */
        public OnDemand {
            if (maxReadRequestUnits < 1 || maxWriteRequestUnits < 1) {
                throw new IllegalArgumentException("maxReadRequestUnits and maxWriteRequestUnits must be positive, got "
                                                           + maxReadRequestUnits + " and " + maxWriteRequestUnits);
            }
        }
    }

    /**
     * Provisioned throughput, scaled by target tracking between the bounds. The bounds apply to
     * each table and to each index separately.
     *
     * @param minRead                  lowest read capacity units
     * @param maxRead                  highest read capacity units
     * @param minWrite                 lowest write capacity units
     * @param maxWrite                 highest write capacity units
     * @param targetUtilizationPercent consumed/provisioned ratio that auto scaling aims at
     */
    public record Provisioned(int minRead, int maxRead, int minWrite, int maxWrite, int targetUtilizationPercent)
            implements Capacity {
        /** Checks the bounds. */
        public Provisioned {
            if (minRead < 1 || maxRead < minRead || minWrite < 1 || maxWrite < minWrite) {
                throw new IllegalArgumentException("capacity bounds need 1 <= min <= max, got read " + minRead + ".." + maxRead
                                                           + ", write " + minWrite + ".." + maxWrite);
            }
            // Application Auto Scaling accepts 20..90 for DynamoDB target tracking.
            if (targetUtilizationPercent < 20 || targetUtilizationPercent > 90) {
                throw new IllegalArgumentException("targetUtilization must be 20..90, got " + targetUtilizationPercent);
            }
        }
    }

    /** Key that encrypts the tables at rest. */
    public sealed interface Encryption {
    }

    /** The AWS managed key {@code aws/dynamodb}: no key to administer, no monthly key fee. */
    public record AwsManagedKey() implements Encryption {
    }

    /**
     * A customer managed KMS key: an existing one, or else one the stack creates (with rotation).
     *
     * @param existingKeyArn ARN of a key to use instead of creating one
     */
    public record CustomerManagedKey(Optional<String> existingKeyArn) implements Encryption {
        /** Checks the parts. */
        public CustomerManagedKey {
            Objects.requireNonNull(existingKeyArn, "existingKeyArn");
        }
    }

    /** How the service's pods get the role's credentials. */
    public sealed interface ServiceIdentity {
        /**
         * The Kubernetes service account the pods run as.
         *
         * @return the service account
         */
        ServiceAccount serviceAccount();

        /**
         * Value of the {@code ServiceIdentity} output, read by the Kubernetes configuration.
         *
         * @return {@code irsa} or {@code pod-identity}
         */
        String mode();
    }

    /**
     * IAM roles for service accounts: the cluster's OIDC provider vouches for the pod's projected
     * service-account token, which the SDK trades for credentials with STS
     * (AssumeRoleWithWebIdentity). The service account carries the role ARN as an annotation.
     *
     * @param oidcProviderArn ARN of the cluster's IAM OIDC provider,
     *                        {@code arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>}
     * @param serviceAccount  the only service account allowed to assume the role
     */
    public record Irsa(String oidcProviderArn, ServiceAccount serviceAccount) implements ServiceIdentity {
        private static final Pattern PROVIDER_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/(.+)");

        /** Checks the provider ARN, since the issuer is derived from it. */
        public Irsa {
            Objects.requireNonNull(oidcProviderArn, "oidcProviderArn");
            Objects.requireNonNull(serviceAccount, "serviceAccount");
            if (!PROVIDER_ARN.matcher(oidcProviderArn).matches()) {
                throw new IllegalArgumentException("oidcProviderArn is not an IAM OIDC provider ARN: " + oidcProviderArn);
            }
        }

        /**
         * The issuer without its scheme, as IAM spells the condition keys
         * ({@code oidc.eks.<region>.amazonaws.com/id/<id>}).
         *
         * @return the issuer
         */
        public String issuer() {
            var matcher = PROVIDER_ARN.matcher(oidcProviderArn);
            if (!matcher.matches()) {
                throw new IllegalStateException(oidcProviderArn);
            }
            return matcher.group(1);
        }

        @Override
        public String mode() {
            return "irsa";
        }
    }

    /**
     * EKS Pod Identity: the cluster's Pod Identity agent assumes the role for the pod. Needs the
     * agent add-on on the cluster and an association of the role with the service account, which
     * the stack creates when it knows the cluster's name.
     *
     * @param clusterName    EKS cluster to associate the role with, if the stack should do it
     * @param serviceAccount the only service account allowed to assume the role
     */
    public record PodIdentity(Optional<String> clusterName, ServiceAccount serviceAccount) implements ServiceIdentity {
        /** Checks the parts. */
        public PodIdentity {
            Objects.requireNonNull(clusterName, "clusterName");
            Objects.requireNonNull(serviceAccount, "serviceAccount");
        }

        @Override
        public String mode() {
            return "pod-identity";
        }
    }

    /**
     * A Kubernetes service account.
     *
     * @param namespace namespace
     * @param name      service account name
     */
    public record ServiceAccount(String namespace, String name) {
        private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
        private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

        /** Checks both against Kubernetes' naming rules, so that a typo fails at synth, not at run time. */
        public ServiceAccount {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            if (!DNS_LABEL.matcher(namespace).matches()) {
                throw new IllegalArgumentException("not a Kubernetes namespace name: " + namespace);
            }
            if (!DNS_SUBDOMAIN.matcher(name).matches()) {
                throw new IllegalArgumentException("not a Kubernetes service account name: " + name);
            }
        }

        /**
         * The subject of the service account's tokens.
         *
         * @return {@code system:serviceaccount:<namespace>:<name>}
         */
        public String subject() {
            return "system:serviceaccount:" + namespace + ":" + name;
        }
    }
}
