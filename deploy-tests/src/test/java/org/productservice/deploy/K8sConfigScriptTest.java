package org.productservice.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/k8s-config.js: the CDK outputs become the aws overlay, rendered by kustomize, for every
 * combination of certificate or none, the stack's Cognito or your own issuer, access logs or
 * none; invalid outputs are refused without writing anything.
 */
class K8sConfigScriptTest {
    private static final String APP = "product-service";
    private static final String SCRIPT = Repository.ROOT.resolve("scripts/k8s-config.js").toString();
    private static final String OWN_ISSUER = "https://example.okta.com/oauth2/default";
    private static final String ADOT = "http://adot-col-otlp-ingest-collector.opentelemetry-operator-system:4318";

    @TempDir
    Path dir;

    /** The example outputs (Cognito, certificate, access logs, Pod Identity), as a mutable map. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> example() throws IOException {
        // JSON is YAML: the snakeyaml the other checks use reads it.
        Map<String, Map<String, String>> all = new org.yaml.snakeyaml.Yaml().load(Files.readString(Manifests.EXAMPLE_OUTPUTS));
        return new LinkedHashMap<>(all.get("product-service-prod"));
    }

    private Path write(Map<String, String> outputs) throws IOException {
        Path file = dir.resolve("outputs-" + System.nanoTime() + ".json");
        Files.writeString(file, new KubernetesSerialization().asJson(Map.of("product-service-prod", outputs)));
        return file;
    }

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (boolean certificate : new boolean[] {true, false}) {
            for (boolean cognito : new boolean[] {true, false}) {
                for (boolean accessLogs : new boolean[] {true, false}) {
                    all.add(Arguments.of(certificate, cognito, accessLogs));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "certificate {0}, cognito {1}, access logs {2}")
    @MethodSource("combinations")
    void everyCombinationRendersTheLoadBalancerAndTheTokenCheckItAsksFor(boolean certificate, boolean cognito, boolean accessLogs)
            throws IOException {
        Map<String, String> outputs = example();
        if (!certificate) {
            outputs.remove("CertificateArn");
            outputs.remove("ApiDomainName");
            outputs.remove("ApiBaseUrl");
        }
        if (!cognito) {
            outputs.put("AuthProvider", "external");
            outputs.put("AuthIssuer", OWN_ISSUER);
            outputs.remove("AuthJwksUrl");
            outputs.put("AuthAudience", "api://products");
            outputs.put("AuthAudienceClaim", "aud");
            outputs.put("AuthScopesRead", "products:read");
            outputs.put("AuthScopesWrite", "products:write");
            outputs.remove("AuthTokenUrl");
            outputs.remove("AuthClientId");
        }
        if (!accessLogs) {
            outputs.remove("AccessLogBucketName");
        }
        Manifests.AwsRender render = Manifests.renderAws(write(outputs));
        Ingress ingress = render.manifests().one(Ingress.class, APP);
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        Map<String, String> config = render.manifests().generatedConfigMap(APP).getData();

        // The WAF protects the ALB whatever its scheme.
        assertThat(annotations).containsEntry("alb.ingress.kubernetes.io/wafv2-acl-arn", outputs.get("WebAclArn"));
        if (certificate) {
            assertThat(annotations)
                    .containsEntry("alb.ingress.kubernetes.io/scheme", "internet-facing")
                    .containsEntry("alb.ingress.kubernetes.io/listen-ports", "[{\"HTTPS\": 443}]")
                    .containsEntry("alb.ingress.kubernetes.io/certificate-arn", outputs.get("CertificateArn"))
                    .containsEntry("alb.ingress.kubernetes.io/ssl-policy", "ELBSecurityPolicy-TLS13-1-2-2021-06")
                    .doesNotContainKey("alb.ingress.kubernetes.io/ssl-redirect");
            assertThat(ingress.getSpec().getRules()).singleElement().satisfies(rule -> {
                assertThat(rule.getHost()).isEqualTo("api.example.com");
                assertThat(rule.getHttp().getPaths()).singleElement().satisfies(p -> {
                    assertThat(p.getPath()).isEqualTo("/products");
                    assertThat(p.getBackend().getService().getName()).isEqualTo(APP);
                });
            });
            assertThat(render.stdout()).contains("HTTPS 443 only for api.example.com");
        } else {
            // No certificate: never an internet-facing plain-HTTP load balancer.
            assertThat(annotations)
                    .containsEntry("alb.ingress.kubernetes.io/scheme", "internal")
                    .containsEntry("alb.ingress.kubernetes.io/listen-ports", "[{\"HTTP\": 80}]")
                    .doesNotContainKeys("alb.ingress.kubernetes.io/certificate-arn", "alb.ingress.kubernetes.io/ssl-policy");
            assertThat(ingress.getSpec().getRules()).singleElement().satisfies(rule -> assertThat(rule.getHost()).isNull());
            assertThat(render.stdout()).contains("the ALB is internal (reachable only inside the VPC", "-c domainName=", "-c certificateArn=");
        }
        if (accessLogs) {
            assertThat(annotations).containsEntry("alb.ingress.kubernetes.io/load-balancer-attributes",
                    "access_logs.s3.enabled=true,access_logs.s3.bucket=" + outputs.get("AccessLogBucketName")
                            + ",access_logs.s3.prefix=product-service");
        } else {
            assertThat(annotations).doesNotContainKey("alb.ingress.kubernetes.io/load-balancer-attributes");
        }

        Map<String, String> auth = new LinkedHashMap<>();
        auth.put("AUTH_MODE", "jwt");
        auth.put("AUTH_ISSUER", outputs.get("AuthIssuer"));
        auth.put("AUTH_AUDIENCE", outputs.get("AuthAudience"));
        auth.put("AUTH_CLAIMS_AUDIENCE", cognito ? "client_id" : "aud");
        auth.put("AUTH_SCOPES_READ", cognito ? "product-api/products.read" : "products:read");
        auth.put("AUTH_SCOPES_WRITE", cognito ? "product-api/products.write" : "products:write");
        auth.put("API_CURSOR_ARN", outputs.get("CursorKeyArn"));
        assertThat(config).containsAllEntriesOf(auth);
        if (cognito) {
            assertThat(config).containsEntry("AUTH_JWKS", outputs.get("AuthJwksUrl"));
        } else {
            assertThat(config).doesNotContainKey("AUTH_JWKS");
        }
        assertThat(config).doesNotContainKeys("API_CURSOR_SECRET", "API_CURSOR_PREVIOUS");
        assertNothingLooksLikeASecret(config);
    }

    /** A ConfigMap is readable by anyone who may read the namespace: no key or key-like value in it. */
    static void assertNothingLooksLikeASecret(Map<String, String> config) {
        config.forEach((key, value) -> {
            assertThat(key).as("ConfigMap key").doesNotContainPattern("(?i)secret|password|private|credential|token$");
            // A long run of base64/hex characters without a separator is what a key looks like (names and ARNs have separators).
            assertThat(value).as("%s", key).doesNotContainPattern("[A-Za-z0-9+/=]{32,}");
        });
    }

    @Test
    void irsaAnnotatesTheServiceAccountAndPodIdentityReachesItsAgentInstead() throws IOException {
        Map<String, String> outputs = example();
        Manifests podIdentity = Manifests.renderAws(write(outputs)).manifests();
        assertThat(podIdentity.one(ServiceAccount.class, APP).getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(egressTo(podIdentity, "169.254.170.23/32")).singleElement()
                .satisfies(rule -> assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(80)));

        outputs.put("ServiceIdentity", "irsa");
        outputs.remove("EksClusterName");
        Manifests irsa = Manifests.renderAws(write(outputs)).manifests();
        assertThat(irsa.one(ServiceAccount.class, APP).getMetadata().getAnnotations())
                .isEqualTo(Map.of("eks.amazonaws.com/role-arn", outputs.get("ServiceRoleArn")));
        assertThat(egressTo(irsa, "169.254.170.23/32")).isEmpty();
    }

    @Test
    void podIdentityWithoutAnAssociationSaysHowToCreateIt() throws IOException {
        Map<String, String> outputs = example();
        outputs.remove("EksClusterName");
        Manifests.AwsRender render = Manifests.renderAws(write(outputs));
        assertThat(render.stdout()).contains("no AWS credentials", "aws eks create-pod-identity-association",
                                             "--role-arn " + outputs.get("ServiceRoleArn"));
    }

    @Test
    void otlpEndpointDefaultsToTheAdotCollectorAndItsEgressIsAllowed() throws IOException {
        Path outputs = write(example());
        Manifests byDefault = Manifests.renderAws(outputs).manifests();
        assertThat(byDefault.generatedConfigMap(APP).getData()).containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", ADOT);
        assertThat(egressToNamespace(byDefault, "opentelemetry-operator-system")).singleElement()
                .satisfies(rule -> assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(4318)));

        Manifests own = Manifests.renderAws(outputs, "--otlp-endpoint", "http://otel-collector.observability.svc:4317").manifests();
        assertThat(own.generatedConfigMap(APP).getData()).containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability.svc:4317");
        assertThat(egressToNamespace(own, "observability")).singleElement()
                .satisfies(rule -> assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(4317)));
        assertThat(egressToNamespace(own, "opentelemetry-operator-system")).isEmpty();

        Manifests none = Manifests.renderAws(outputs, "--otlp-endpoint", "none").manifests();
        assertThat(none.generatedConfigMap(APP).getData()).doesNotContainKey("OTEL_EXPORTER_OTLP_ENDPOINT");
        assertThat(egressToNamespace(none, "opentelemetry-operator-system")).isEmpty();
    }

    @Test
    void redirectFromHttpIsOptional() throws IOException {
        Map<String, String> annotations = Manifests.renderAws(write(example()), "--redirect-http").manifests()
                .one(Ingress.class, APP).getMetadata().getAnnotations();
        assertThat(annotations)
                .containsEntry("alb.ingress.kubernetes.io/listen-ports", "[{\"HTTP\": 80}, {\"HTTPS\": 443}]")
                .containsEntry("alb.ingress.kubernetes.io/ssl-redirect", "443");
    }

    @Test
    void networkFactsComeFromTheOutputsElseFromFlags() throws IOException {
        Map<String, String> outputs = example();
        outputs.remove("VpcCidr");
        outputs.remove("AlbSubnetCidrs");
        outputs.remove("NodeSubnetCidrs");
        Manifests fromFlags = Manifests.renderAws(write(outputs), "--vpc-cidr", "172.31.0.0/16", "--alb-subnets", "172.31.1.0/24",
                                                  "--node-subnets", "172.31.32.0/20,172.31.48.0/20").manifests();
        NetworkPolicy policy = fromFlags.one(NetworkPolicy.class, APP);
        assertThat(policy.getSpec().getIngress().get(0).getFrom()).extracting(peer -> peer.getIpBlock().getCidr())
                .containsExactly("172.31.1.0/24");
        // The admin port: the ALB (health checks) and the nodes (kubelet probes), not the VPC.
        assertThat(adminPortCidrs(fromFlags)).containsExactly("172.31.1.0/24", "172.31.32.0/20", "172.31.48.0/20");
    }

    @Test
    void adminPortAdmitsTheNodeSubnetsAndNeverFallsBackToTheVpc() throws IOException {
        Map<String, String> outputs = example();
        outputs.remove("NodeSubnetCidrs");
        // The VPC CIDR is known, and still not used in place of the node subnets.
        var missing = generate(write(outputs));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("no node subnet CIDRs", "-c nodeSubnetCidrs=", "--node-subnets", "NODE_SUBNET_CIDRS",
                                              "aws eks describe-nodegroup");
        assertThat(dir.resolve("generated")).doesNotExist();

        // Subnets must lie inside the VPC; the VPC itself is no subnet.
        var outside = generate(write(outputs), "--node-subnets", "10.0.16.0/20,10.0.0.0/16,192.168.0.0/24");
        assertThat(outside.exitCode()).isEqualTo(1);
        assertThat(outside.stderr()).contains("node subnet \"10.0.0.0/16\" is not a subnet of the VPC 10.0.0.0/16",
                                              "node subnet \"192.168.0.0/24\" is not a subnet of the VPC 10.0.0.0/16")
                .doesNotContain("10.0.16.0/20");
        var open = generate(write(outputs), "--node-subnets", "0.0.0.0/0");
        assertThat(open.stderr()).contains("node subnet \"0.0.0.0/0\" is the whole internet");
        assertThat(dir.resolve("generated")).doesNotExist();

        // "none": the cluster's policy engine admits the node's own address; only monitoring and the ALB are named.
        Manifests none = Manifests.renderAws(write(outputs), "--node-subnets", "none").manifests();
        assertThat(adminPortCidrs(none)).containsExactly("10.0.0.0/24", "10.0.1.0/24");
        assertThat(none.one(NetworkPolicy.class, APP).getSpec().getIngress().get(1).getFrom())
                .filteredOn(peer -> peer.getNamespaceSelector() != null).singleElement()
                .satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
                        .isEqualTo(Map.of("kubernetes.io/metadata.name", "monitoring")));
    }

    private static List<String> adminPortCidrs(Manifests manifests) {
        var admin = manifests.one(NetworkPolicy.class, APP).getSpec().getIngress().get(1);
        assertThat(admin.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(9080));
        return admin.getFrom().stream().map(NetworkPolicyPeer::getIpBlock).filter(java.util.Objects::nonNull)
                .map(block -> block.getCidr()).toList();
    }

    @Test
    void invalidOutputsAreRefusedAndNothingIsWritten() throws IOException {
        Map<String, String> outputs = example();
        outputs.put("ServiceRoleArn", "not-an-arn");
        outputs.put("AuthIssuer", "http://issuer.example.com");
        outputs.put("CertificateArn", "arn:aws:acm:eu-west-1:123456789012:certificate/nope");
        var bad = generate(write(outputs));
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr()).contains("ServiceRoleArn \"not-an-arn\" is not an IAM role ARN",
                                          "AuthIssuer \"http://issuer.example.com\" is not an https URL",
                                          "is not an ACM certificate ARN");

        Map<String, String> open = example();
        open.put("AlbSubnetCidrs", "0.0.0.0/0");
        var wholeInternet = generate(write(open));
        assertThat(wholeInternet.exitCode()).isEqualTo(1);
        assertThat(wholeInternet.stderr()).contains("ALB subnet \"0.0.0.0/0\" is the whole internet");

        Map<String, String> noNetwork = example();
        noNetwork.remove("VpcCidr");
        noNetwork.remove("AlbSubnetCidrs");
        noNetwork.remove("NodeSubnetCidrs");
        var missingNetwork = generate(write(noNetwork));
        assertThat(missingNetwork.exitCode()).isEqualTo(1);
        // The subnets are required; the VPC CIDR only checks them.
        assertThat(missingNetwork.stderr()).contains("no ALB subnet CIDRs", "--alb-subnets", "no node subnet CIDRs", "--node-subnets")
                .doesNotContain("no VPC CIDR");

        var unknownFlag = generate(write(example()), "--node-subnet", "10.0.16.0/20");
        assertThat(unknownFlag.exitCode()).isEqualTo(1);
        assertThat(unknownFlag.stderr()).startsWith("k8s-config: Unknown option '--node-subnet'");

        Map<String, String> old = example();
        old.remove("CursorKeyArn");
        old.remove("WebAclArn");
        var oldStack = generate(write(old));
        assertThat(oldStack.exitCode()).isEqualTo(1);
        assertThat(oldStack.stderr()).contains("lacks the output(s) CursorKeyArn, WebAclArn");

        var missingFile = generate(dir.resolve("absent.json"));
        assertThat(missingFile.exitCode()).isEqualTo(1);
        assertThat(missingFile.stderr()).contains("cannot read", "(ENOENT)", "make infra-deploy");

        assertThat(dir.resolve("generated")).doesNotExist();
    }

    @Test
    void exampleOutputsMakeAnHttpsOnlyWafProtectedTokenCheckingOverlay() {
        Manifests aws = Manifests.render("aws");
        Map<String, String> annotations = aws.one(Ingress.class, APP).getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("alb.ingress.kubernetes.io/listen-ports", "[{\"HTTPS\": 443}]")
                .containsKey("alb.ingress.kubernetes.io/wafv2-acl-arn");
        Map<String, String> config = aws.generatedConfigMap(APP).getData();
        assertThat(config).containsEntry("AUTH_MODE", "jwt").containsKeys("AUTH_ISSUER", "AUTH_AUDIENCE", "API_CURSOR_ARN");
        assertNothingLooksLikeASecret(config);
    }

    private Repository.Result generate(Path outputs, String... extra) {
        List<String> command = new ArrayList<>(List.of("node", SCRIPT, "--outputs", outputs.toString(),
                                                       "--out", dir.resolve("generated").toString()));
        command.addAll(List.of(extra));
        return Repository.run(dir, Duration.ofSeconds(20), command.toArray(String[]::new));
    }

    private static List<NetworkPolicyEgressRule> egressTo(Manifests manifests, String cidr) {
        return manifests.one(NetworkPolicy.class, APP).getSpec().getEgress().stream()
                .filter(rule -> rule.getTo().stream().anyMatch(peer -> peer.getIpBlock() != null && cidr.equals(peer.getIpBlock().getCidr())))
                .toList();
    }

    private static List<NetworkPolicyEgressRule> egressToNamespace(Manifests manifests, String namespace) {
        return manifests.one(NetworkPolicy.class, APP).getSpec().getEgress().stream()
                .filter(rule -> rule.getTo().stream().anyMatch(peer -> peer.getNamespaceSelector() != null
                        && namespace.equals(peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"))))
                .toList();
    }
}
