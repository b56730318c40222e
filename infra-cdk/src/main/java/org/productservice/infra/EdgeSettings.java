package org.productservice.infra;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What stands in front of the service and what it trusts: who issues its tokens, the TLS
 * certificate of its load balancer, the web application firewall, the load balancer's access
 * logs and the network facts the Kubernetes NetworkPolicy needs. {@link InfraApp} reads them from
 * context; {@link ProductServiceStack} builds them with {@link ApiIdentity} and {@link ApiEdge}.
 *
 * @param identityProvider who issues the access tokens the service accepts
 * @param tls              the load balancer's certificate, if any
 * @param waf              the web ACL's limits
 * @param accessLogs       ALB access logs into an S3 bucket of the stack, kept this many days; empty: none
 * @param network          CIDRs passed through to the outputs for the NetworkPolicy
 * @param alarmTopicArn    SNS topic that the spend alarms notify, if any
 */
public record EdgeSettings(IdentityProvider identityProvider,
                           Tls tls,
                           Waf waf,
                           Optional<Integer> accessLogs,
                           Network network,
                           Optional<String> alarmTopicArn) {
    private static final Pattern TOPIC_ARN = Pattern.compile("arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[\\w-]{1,256}");

    /** Checks the parts. */
    public EdgeSettings {
        Objects.requireNonNull(identityProvider, "identityProvider");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(waf, "waf");
        Objects.requireNonNull(accessLogs, "accessLogs");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(alarmTopicArn, "alarmTopicArn");
        accessLogs.ifPresent(days -> {
            if (days < 1 || days > 3650) {
                throw new IllegalArgumentException("accessLogDays must be 1..3650, got " + days);
            }
        });
        alarmTopicArn.ifPresent(arn -> {
            if (!TOPIC_ARN.matcher(arn).matches()) {
                throw new IllegalArgumentException("alarmTopicArn is not an SNS topic ARN: " + arn);
            }
        });
    }

    /** Who issues the access tokens. */
    public sealed interface IdentityProvider {
    }

    /**
     * A Cognito user pool of the stack, for machine-to-machine clients (client credentials).
     *
     * @param domainPrefix prefix of the Cognito domain that serves the token endpoint; empty: derived
     *                     from the stage and the account, which is unique per region
     */
    public record Cognito(Optional<String> domainPrefix) implements IdentityProvider {
        // Cognito's rule for prefixes; "aws", "amazon" and "cognito" are reserved words.
        private static final Pattern PREFIX = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

        /** Checks the prefix. */
        public Cognito {
            Objects.requireNonNull(domainPrefix, "domainPrefix");
            domainPrefix.ifPresent(prefix -> {
                if (!PREFIX.matcher(prefix).matches() || prefix.matches(".*(aws|amazon|cognito).*")) {
                    throw new IllegalArgumentException("cognitoDomainPrefix must be lower-case letters, digits and '-' "
                                                               + "(at most 63, without aws, amazon or cognito): " + prefix);
                }
            });
        }
    }

    /**
     * Your own OpenID Connect issuer (Okta, Entra ID, Auth0, Keycloak...): the stack creates no
     * identity provider and passes these values through to the outputs.
     *
     * @param issuer        the {@code iss} of the tokens, an https URL
     * @param audience      the audience the tokens must carry
     * @param jwks          the JSON Web Key Set URL; empty: the service discovers it from the issuer
     * @param audienceClaim the claim holding the audience ({@code aud} for most issuers)
     * @param readScopes    scopes that allow reading, space-separated
     * @param writeScopes   scopes that allow writing, space-separated
     */
    public record ExternalIssuer(String issuer, String audience, Optional<String> jwks, String audienceClaim,
                                 String readScopes, String writeScopes) implements IdentityProvider {
        /** Checks the URLs, since a typo would only show as 401s in production. */
        public ExternalIssuer {
            requireHttps("issuer", issuer);
            Objects.requireNonNull(jwks, "jwks").ifPresent(url -> requireHttps("jwks", url));
            if (audience == null || audience.isBlank()) {
                throw new IllegalArgumentException("issuer needs -c audience=<the audience your tokens carry>");
            }
            Objects.requireNonNull(audienceClaim, "audienceClaim");
            Objects.requireNonNull(readScopes, "readScopes");
            Objects.requireNonNull(writeScopes, "writeScopes");
        }
    }

    /** The load balancer's certificate. */
    public sealed interface Tls {
    }

    /** No certificate: the overlay renders an internal load balancer, reachable only inside the VPC. */
    public record NoCertificate() implements Tls {
    }

    /**
     * A certificate the stack requests from ACM and validates by DNS in a Route 53 hosted zone.
     *
     * @param domainName   the API's host name, e.g. {@code api.example.com}
     * @param hostedZoneId the public hosted zone that holds it
     */
    public record DnsValidatedCertificate(String domainName, String hostedZoneId) implements Tls {
        private static final Pattern ZONE_ID = Pattern.compile("Z[A-Z0-9]{1,31}");

        /** Checks the parts. */
        public DnsValidatedCertificate {
            requireDomain(domainName);
            if (hostedZoneId == null || !ZONE_ID.matcher(hostedZoneId).matches()) {
                throw new IllegalArgumentException("domainName needs -c hostedZoneId=Z... (the Route 53 zone that validates it) "
                                                           + "or -c certificateArn=..., not " + hostedZoneId);
            }
        }
    }

    /**
     * An ACM certificate that exists already.
     *
     * @param certificateArn its ARN
     * @param domainName     the host name it covers, for the ingress host rule and the base URL
     */
    public record ExistingCertificate(String certificateArn, Optional<String> domainName) implements Tls {
        private static final Pattern ARN = Pattern.compile("arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]{36}");

        /** Checks the parts. */
        public ExistingCertificate {
            if (certificateArn == null || !ARN.matcher(certificateArn).matches()) {
                throw new IllegalArgumentException("certificateArn is not an ACM certificate ARN: " + certificateArn);
            }
            Objects.requireNonNull(domainName, "domainName").ifPresent(EdgeSettings::requireDomain);
        }
    }

    /**
     * Limits of the web ACL.
     *
     * @param requestsPer5Minutes requests one client IP may send in a 5-minute window before it is blocked
     * @param maxBodyBytes        largest request body (by its Content-Length; a body without one is
     *                            refused above 8 KB, all that WAF sees of it), the service's {@code limits.body}
     */
    public record Waf(int requestsPer5Minutes, long maxBodyBytes) {
        /** Checks the limits against WAF's own bounds. */
        public Waf {
            if (requestsPer5Minutes < 10 || requestsPer5Minutes > 2_000_000_000) {
                throw new IllegalArgumentException("wafRateLimit must be 10..2000000000 (WAF's bounds), got " + requestsPer5Minutes);
            }
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes must be positive, got " + maxBodyBytes);
            }
        }
    }

    /**
     * Network facts the stack does not look up (it stays offline and environment-agnostic) but
     * passes to the Kubernetes configuration, so that they are typed once, at deploy time.
     *
     * @param vpcCidr         the cluster VPC's CIDR, against which {@code make k8s-config} checks the subnets
     * @param albSubnetCidrs  CIDRs of the subnets the ALB runs in, the only sources of API traffic
     *                        (and of the ALB's health checks, on the admin port)
     * @param nodeSubnetCidrs CIDRs of the subnets the cluster's nodes run in, where the kubelet's
     *                        probes come from (the admin port)
     */
    public record Network(Optional<String> vpcCidr, List<String> albSubnetCidrs, List<String> nodeSubnetCidrs) {
        private static final Pattern CIDR = Pattern.compile(
                "(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}/(3[0-2]|[12]?\\d)");

        /** Checks every CIDR; the whole internet is refused as a subnet. */
        public Network {
            Objects.requireNonNull(vpcCidr, "vpcCidr").ifPresent(cidr -> requireCidr("vpcCidr", cidr));
            albSubnetCidrs = subnets("albSubnetCidrs", "the ALB's subnets", albSubnetCidrs);
            nodeSubnetCidrs = subnets("nodeSubnetCidrs", "the nodes' subnets", nodeSubnetCidrs);
        }

        private static List<String> subnets(String key, String what, List<String> cidrs) {
            for (String cidr : cidrs) {
                requireCidr(key, cidr);
                if (cidr.endsWith("/0")) {
                    throw new IllegalArgumentException(key + " must name " + what + ", not " + cidr);
                }
            }
            return List.copyOf(cidrs);
        }

        private static void requireCidr(String key, String cidr) {
            if (!CIDR.matcher(cidr).matches()) {
                throw new IllegalArgumentException(key + " holds something that is not an IPv4 CIDR: " + cidr);
            }
        }
    }

    private static void requireHttps(String key, String url) {
        try {
            URI uri = URI.create(Objects.requireNonNull(url, key));
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException(key + " must be an https URL, not " + url);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be an https URL, not " + url, e);
        }
    }

    private static void requireDomain(String domain) {
        if (domain == null || !domain.matches("(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}")) {
            throw new IllegalArgumentException("domainName must be a lower-case DNS name such as api.example.com, not " + domain);
        }
    }
}
