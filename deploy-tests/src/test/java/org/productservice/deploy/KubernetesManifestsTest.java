package org.productservice.deploy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every overlay renders, parses strictly and is deployable as the service expects: probes on the
 * real endpoints and port (read from application.yaml), selectors that select, the restricted Pod
 * Security Standard in full, sized resources, and HPA/PDB/NetworkPolicy/Ingress wired to the app.
 */
class KubernetesManifestsTest {
    private static final String APP = "product-service";
    private static final Map<String, String> SELECTOR = Map.of("app.kubernetes.io/name", APP,
                                                                "app.kubernetes.io/instance", APP);
    private static final List<String> RECOMMENDED_LABELS = List.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
                                                                   "app.kubernetes.io/version", "app.kubernetes.io/component",
                                                                   "app.kubernetes.io/part-of");
    private static final Map<String, Manifests> RENDERED = new ConcurrentHashMap<>();

    static Stream<String> overlays() {
        return Stream.of("aws", "local");
    }

    private static Manifests rendered(String overlay) {
        return RENDERED.computeIfAbsent(overlay, Manifests::render);
    }

    private static Container app(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(APP)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + APP));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void probesUseTheServiceHealthEndpointsAndPort(String overlay) {
        Container container = app(rendered(overlay).one(Deployment.class, APP));

        assertProbe(container, container.getStartupProbe(), Repository.healthPath("started"));
        assertProbe(container, container.getReadinessProbe(), Repository.healthPath("ready"));
        assertProbe(container, container.getLivenessProbe(), Repository.healthPath("live"));
        assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort)
                .containsExactly(Repository.serverPort(), Repository.adminPort());
        // If the manifest sets SERVER_PORT, it must be the port the probes and the Service use.
        container.getEnv().stream().filter(e -> e.getName().equals("SERVER_PORT"))
                .forEach(e -> assertThat(e.getValue()).isEqualTo(String.valueOf(Repository.serverPort())));
        container.getEnv().stream().filter(e -> e.getName().equals("ADMIN_PORT"))
                .forEach(e -> assertThat(e.getValue()).isEqualTo(String.valueOf(Repository.adminPort())));
    }

    private static void assertProbe(Container container, Probe probe, String path) {
        assertThat(probe).as("probe on %s", path).isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get).as("HTTP probe on %s", path).isNotNull();
        assertThat(get.getPath()).isEqualTo(path);
        assertThat(containerPort(container, get.getPort())).as("port of the probe on %s", path).isEqualTo(Repository.adminPort());
    }

    private static int containerPort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal()));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void rollingUpdateKeepsCapacityAndShutdownFitsTheGracePeriod(String overlay) {
        Deployment deployment = rendered(overlay).one(Deployment.class, APP);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container container = app(deployment);

        assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(0));

        List<String> preStop = container.getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
        long preStopSeconds = Long.parseLong(preStop.get(1));
        long grace = Repository.shutdownGrace().toSeconds();
        // The pod is killed only after the preStop sleep and the server's own graceful shutdown,
        // with a little margin, but not much more (a stuck pod should not linger for minutes).
        assertThat(pod.getTerminationGracePeriodSeconds()).isBetween(preStopSeconds + grace + 1, preStopSeconds + grace + 15);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyPodIsRestrictedAndSized(String overlay) {
        List<PodTemplateSpec> templates = rendered(overlay).all(Deployment.class).stream()
                .map(d -> d.getSpec().getTemplate()).toList();
        assertThat(templates).isNotEmpty();
        for (PodTemplateSpec template : templates) {
            PodSpec pod = template.getSpec();
            String name = template.getMetadata().getLabels().get("app.kubernetes.io/name");
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("%s runAsNonRoot", name).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).as("%s runAsUser", name).isPositive();
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
            assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
            for (Container container : pod.getContainers()) {
                var security = container.getSecurityContext();
                assertThat(security).as("%s securityContext", container.getName()).isNotNull();
                assertThat(security.getAllowPrivilegeEscalation()).as("allowPrivilegeEscalation").isFalse();
                assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
                assertThat(security.getRunAsNonRoot()).isNotEqualTo(Boolean.FALSE);
                assertThat(security.getReadOnlyRootFilesystem()).as("readOnlyRootFilesystem").isTrue();
                assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
                assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
                assertThat(security.getSeccompProfile() == null
                           || "RuntimeDefault".equals(security.getSeccompProfile().getType())).isTrue();

                // A writable /tmp on an emptyDir (the JVM writes there; the root is read-only).
                String tmpVolume = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp"))
                        .map(io.fabric8.kubernetes.api.model.VolumeMount::getName).findFirst()
                        .orElseThrow(() -> new AssertionError(container.getName() + " mounts nothing on /tmp"));
                assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals(tmpVolume))
                        .singleElement().extracting(Volume::getEmptyDir).isNotNull();

                Map<String, Quantity> requests = container.getResources().getRequests();
                Map<String, Quantity> limits = container.getResources().getLimits();
                assertThat(requests).as("%s requests", container.getName()).containsKeys("cpu", "memory");
                assertThat(limits).as("%s limits", container.getName()).containsKeys("cpu", "memory");
                assertThat(Quantity.getAmountInBytes(limits.get("memory")))
                        .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(requests.get("memory")));
                assertThat(Quantity.getAmountInBytes(limits.get("cpu")))
                        .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(requests.get("cpu")));

                String image = container.getImage();
                assertThat(image).as("image of %s", container.getName()).contains(":").doesNotEndWith(":latest");
                assertThat(image.substring(image.lastIndexOf(':') + 1)).isNotBlank().doesNotContain("/");

                assertThat(container.getReadinessProbe()).as("%s readiness probe", container.getName()).isNotNull();
                assertThat(container.getLivenessProbe()).as("%s liveness probe", container.getName()).isNotNull();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void selectorsSelectThePodsAndNeverCarryTheVersion(String overlay) {
        Manifests manifests = rendered(overlay);
        Deployment deployment = manifests.one(Deployment.class, APP);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();

        assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(SELECTOR);
        assertThat(podLabels).containsAllEntriesOf(SELECTOR);
        assertThat(manifests.one(Service.class, APP).getSpec().getSelector()).isEqualTo(SELECTOR);
        assertThat(manifests.one(PodDisruptionBudget.class, APP).getSpec().getSelector().getMatchLabels()).isEqualTo(SELECTOR);
        assertThat(manifests.one(NetworkPolicy.class, APP).getSpec().getPodSelector().getMatchLabels()).isEqualTo(SELECTOR);
        deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints()
                .forEach(t -> assertThat(t.getLabelSelector().getMatchLabels()).isEqualTo(SELECTOR));
        assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                .anySatisfy(t -> assertThat(t.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone"));

        // Each of the service's objects and its pods carry the five recommended labels.
        for (HasMetadata resource : manifests.resources()) {
            Map<String, String> labels = resource.getMetadata().getLabels();
            if (labels != null && APP.equals(labels.get("app.kubernetes.io/name"))) {
                assertThat(labels).as("labels of %s/%s", resource.getKind(), resource.getMetadata().getName())
                        .containsKeys(RECOMMENDED_LABELS.toArray(String[]::new));
            }
        }
        assertThat(podLabels).containsKeys(RECOMMENDED_LABELS.toArray(String[]::new));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void autoscalerAndDisruptionBudgetTargetTheDeployment(String overlay) {
        Manifests manifests = rendered(overlay);
        Deployment deployment = manifests.one(Deployment.class, APP);
        HorizontalPodAutoscaler hpa = manifests.one(HorizontalPodAutoscaler.class, APP);

        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());
        // Utilisation targets are relative to requests: the container must request CPU.
        assertThat(app(deployment).getResources().getRequests()).containsKey("cpu");

        PodDisruptionBudget pdb = manifests.one(PodDisruptionBudget.class, APP);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        // With the floor of the HPA, at least one pod keeps serving during a voluntary disruption.
        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void serviceIngressAndScrapingReachTheContainerPort(String overlay) {
        Manifests manifests = rendered(overlay);
        Deployment deployment = manifests.one(Deployment.class, APP);
        Container container = app(deployment);
        Service service = manifests.one(Service.class, APP);

        ServicePort http = service.getSpec().getPorts().stream().filter(p -> "http".equals(p.getName()))
                .findFirst().orElseThrow(() -> new AssertionError("Service has no port named http"));
        assertThat(containerPort(container, http.getTargetPort())).isEqualTo(Repository.serverPort());

        Ingress ingress = manifests.one(Ingress.class, APP);
        assertThat(ingress.getSpec().getIngressClassName()).isNotBlank();
        List<IngressBackend> backends = ingress.getSpec().getRules().stream()
                .flatMap(r -> r.getHttp().getPaths().stream())
                .map(io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath::getBackend).toList();
        assertThat(backends).isNotEmpty().allSatisfy(backend -> {
            assertThat(backend.getService().getName()).isEqualTo(service.getMetadata().getName());
            assertThat(backend.getService().getPort().getName()).isEqualTo(http.getName());
        });

        Map<String, String> annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/path", Repository.metricsPath())
                .containsEntry("prometheus.io/port", String.valueOf(Repository.adminPort()));
        // The admin port is never behind the Service that the ingress targets.
        assertThat(service.getSpec().getPorts()).allSatisfy(
                p -> assertThat(containerPort(container, p.getTargetPort())).isNotEqualTo(Repository.adminPort()));

    }

    /** The port of health and metrics (the admin listener); admitted only from monitoring, the nodes and the ALB. */
    private static final int ADMIN_PORT = 9080;

    @ParameterizedTest
    @MethodSource("overlays")
    void networkPolicyClosesBothDirectionsButForWhatTheServiceNeeds(String overlay) {
        Manifests manifests = rendered(overlay);
        NetworkPolicy policy = manifests.one(NetworkPolicy.class, APP);
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(SELECTOR);

        // In: the API port from the ingress path only; the admin port from monitoring (and, on
        // EKS, the ALB's health checks and the nodes' kubelet probes). Nothing else.
        var ingress = policy.getSpec().getIngress();
        assertThat(ingress).hasSize(2);
        assertThat(ingress.get(0).getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(Repository.serverPort()));
        assertThat(ingress.get(1).getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(ADMIN_PORT));
        assertThat(ingress.get(1).getFrom().stream().filter(peer -> peer.getNamespaceSelector() != null)
                           .map(peer -> peer.getNamespaceSelector().getMatchLabels()).toList())
                .containsExactly(Map.of("kubernetes.io/metadata.name", "monitoring"));
        if (overlay.equals("aws")) {
            // The ALB's subnets, never the whole VPC (with the VPC CNI every pod has a VPC address).
            assertThat(ingress.get(0).getFrom()).extracting(peer -> peer.getIpBlock().getCidr()).containsExactly("10.0.0.0/24", "10.0.1.0/24");
            // The admin port: the ALB's subnets (its health checks) and the nodes' (kubelet probes), never the VPC.
            assertThat(ingress.get(1).getFrom().stream().filter(peer -> peer.getIpBlock() != null)
                               .map(peer -> peer.getIpBlock().getCidr()).toList())
                    .containsExactly("10.0.0.0/24", "10.0.1.0/24", "10.0.16.0/20", "10.0.32.0/20");
            assertThat(ingress).flatExtracting(rule -> rule.getFrom()).filteredOn(peer -> peer.getIpBlock() != null)
                    .allSatisfy(peer -> assertThat(peer.getIpBlock().getCidr()).isNotEqualTo("10.0.0.0/16"));
        } else {
            assertThat(ingress.get(0).getFrom()).singleElement().satisfies(peer ->
                    assertThat(peer.getNamespaceSelector().getMatchLabels()).containsEntry("kubernetes.io/metadata.name", "ingress-nginx"));
        }

        // Out: DNS to CoreDNS, HTTPS anywhere but the instance metadata service, plus the overlay's extras.
        var egress = policy.getSpec().getEgress();
        assertThat(egress.get(0).getTo()).singleElement().satisfies(peer -> {
            assertThat(peer.getNamespaceSelector().getMatchLabels()).containsEntry("kubernetes.io/metadata.name", "kube-system");
            assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("k8s-app", "kube-dns");
        });
        assertThat(egress.get(0).getPorts()).extracting(p -> p.getProtocol() + "/" + p.getPort().getIntVal())
                .containsExactlyInAnyOrder("UDP/53", "TCP/53");
        assertThat(egress.get(1).getTo()).singleElement().satisfies(peer -> {
            assertThat(peer.getIpBlock().getCidr()).isEqualTo("0.0.0.0/0");
            assertThat(peer.getIpBlock().getExcept()).containsExactly("169.254.169.254/32");
        });
        assertThat(egress.get(1).getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(443));
        List<Integer> otherPorts = egress.stream().skip(2).flatMap(rule -> rule.getPorts().stream())
                .map(p -> p.getPort().getIntVal()).toList();
        if (overlay.equals("aws")) {
            // The Pod Identity agent (port 80 on its link-local address) and the OTLP collector.
            assertThat(otherPorts).containsExactly(80, 4318);
        } else {
            // DynamoDB Local in the namespace.
            assertThat(otherPorts).containsExactly(8000);
        }
    }

    @Test
    void awsOverlayWiresTheCdkOutputsAndTheLoadBalancer() {
        Manifests aws = rendered("aws");
        ServiceAccount account = aws.one(ServiceAccount.class, APP);
        // The example stack uses EKS Pod Identity: the association maps the role, no annotation.
        assertThat(account.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(aws.one(Deployment.class, APP).getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo(account.getMetadata().getName());

        Map<String, String> config = aws.generatedConfigMap(APP).getData();
        assertThat(config).containsEntry("DYNAMODB_REGION", "eu-west-1")
                .containsEntry("DYNAMODB_TABLE_PRODUCTS", "product-service-prod-ProductTable-EXAMPLE1A2B3C")
                .containsEntry("DYNAMODB_TABLE_IDEMPOTENCY", "product-service-prod-IdempotencyTable-EXAMPLE4D5E6F")
                .containsEntry("DYNAMODB_TABLE_INDEX", "product-name-index")
                .doesNotContainKeys("DYNAMODB_ENDPOINT", "DYNAMODB_AUTOCREATE", "API_CURSOR_SECRET");
        assertThat(app(aws.one(Deployment.class, APP)).getEnvFrom())
                .anySatisfy(e -> assertThat(e.getConfigMapRef().getName()).isEqualTo(aws.generatedConfigMap(APP).getMetadata().getName()));

        Ingress ingress = aws.one(Ingress.class, APP);
        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("alb");
        assertThat(ingress.getMetadata().getAnnotations())
                .containsEntry("alb.ingress.kubernetes.io/target-type", "ip")
                .containsEntry("alb.ingress.kubernetes.io/healthcheck-path", Repository.healthPath("ready"))
                // Health lives on the admin port only: a health check on the traffic port would find nothing.
                .containsEntry("alb.ingress.kubernetes.io/healthcheck-port", String.valueOf(Repository.adminPort()));

        assertThat(aws.one(io.fabric8.kubernetes.api.model.Namespace.class, APP).getMetadata().getLabels())
                .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    }

    @Test
    void localOverlayPointsTheServiceAtItsEngine() {
        Manifests local = rendered("local");
        Map<String, String> config = local.generatedConfigMap(APP).getData();
        var endpoint = java.net.URI.create(config.get("DYNAMODB_ENDPOINT"));
        Service engine = local.one(Service.class, endpoint.getHost());
        assertThat(engine.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(endpoint.getPort()));
        assertThat(config).containsEntry("DYNAMODB_AUTOCREATE", "true")
                // No token issuer locally; a fixed development cursor key (the aws overlay has none).
                .containsEntry("AUTH_MODE", "none")
                .containsKey("API_CURSOR_SECRET");

        Deployment engineDeployment = local.all(Deployment.class).stream()
                .filter(d -> engine.getSpec().getSelector().equals(d.getSpec().getSelector().getMatchLabels()))
                .findFirst().orElseThrow(() -> new AssertionError("no Deployment behind Service " + engine.getMetadata().getName()));
        assertThat(engineDeployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(engine.getSpec().getSelector());
        assertThat(local.one(Ingress.class, APP).getSpec().getIngressClassName()).isEqualTo("nginx");
    }
}
