package org.productservice.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * k8s/monitoring: the alerts pass their {@code promtool test rules} unit tests, and the
 * ServiceMonitor, rules and dashboard point at what the overlays really deploy (Service labels
 * and port, metrics path, namespace, HPA name).
 */
class MonitoringTest {
    private static final System.Logger LOG = System.getLogger(MonitoringTest.class.getName());
    private static final String NAMESPACE = "product-service";

    @Test
    void alertsPassTheirPromtoolUnitTests() throws IOException {
        if (!Repository.onPath("promtool")) {
            // CI installs it (.ci/run); without it the alert tests cannot run at all.
            LOG.log(System.Logger.Level.WARNING, "promtool not on the PATH (Debian package prometheus): alert unit tests skipped");
            Assumptions.abort("promtool not on the PATH (Debian package prometheus)");
        }
        Path dir = Files.createTempDirectory("promtool");
        try {
            Files.writeString(dir.resolve("rules.yaml"), rulesFile(), StandardCharsets.UTF_8);
            Files.copy(Repository.ROOT.resolve("k8s/monitoring/tests/alerts.test.yaml"), dir.resolve("alerts.test.yaml"));
            String checked = Repository.run(dir, Duration.ofSeconds(30), "promtool", "check", "rules", "rules.yaml").requireSuccess();
            assertThat(checked).contains("SUCCESS: 22 rules found");
            Repository.Result tested = Repository.run(dir, Duration.ofSeconds(60), "promtool", "test", "rules", "alerts.test.yaml");
            assertThat(tested.exitCode()).as(tested.stdout() + tested.stderr()).isZero();
            assertThat(tested.stdout()).contains("SUCCESS");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void everyAlertIsUnitTested() {
        String tests = Repository.read("k8s/monitoring/tests/alerts.test.yaml");
        assertThat(alertNames()).isNotEmpty().allSatisfy(alert -> assertThat(tests).contains("alertname: " + alert));
    }

    @Test
    void theServiceMonitorScrapesTheDeployedPodsAdminPort() {
        Manifests aws = Manifests.render("aws");
        Deployment deployment = aws.one(Deployment.class, "product-service");
        Map<String, Object> admin = rendered("Service");
        Map<String, Object> adminSpec = map(admin.get("spec"));
        // The admin Service selects the Deployment's pods and targets their admin container port.
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf((Map<String, String>) adminSpec.get("selector"));
        Map<String, Object> adminPort = map(((List<?>) adminSpec.get("ports")).getFirst());
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts())
                .anySatisfy(port -> {
                    assertThat(port.getName()).isEqualTo(adminPort.get("targetPort"));
                    assertThat(port.getContainerPort()).isEqualTo(Repository.adminPort());
                });
        // The API's Service, behind the Ingress, never carries the admin port.
        assertThat(aws.one(Service.class, "product-service").getSpec().getPorts())
                .extracting(ServicePort::getName).doesNotContain((String) adminPort.get("name"));

        Map<String, Object> monitor = rendered("ServiceMonitor");
        Map<String, Object> spec = map(monitor.get("spec"));
        Map<String, String> selector = (Map<String, String>) map(spec.get("selector")).get("matchLabels");
        assertThat((Map<String, String>) map(admin.get("metadata")).get("labels")).containsAllEntriesOf(selector);
        assertThat(map(monitor.get("metadata")).get("namespace")).isEqualTo(map(admin.get("metadata")).get("namespace"))
                .isEqualTo(deployment.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        Map<String, Object> endpoint = map(((List<?>) spec.get("endpoints")).getFirst());
        assertThat(endpoint.get("port")).isEqualTo(adminPort.get("name"));
        assertThat(endpoint.get("path")).isEqualTo(Repository.metricsPath());
    }

    @Test
    void theRulesNameTheDeployedNamespaceAndAutoscaler() {
        Manifests aws = Manifests.render("aws");
        HorizontalPodAutoscaler hpa = aws.one(HorizontalPodAutoscaler.class, "product-service");
        assertThat(hpa.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        String rules = rulesFile();
        assertThat(rules).contains("horizontalpodautoscaler=\"" + hpa.getMetadata().getName() + "\"")
                .contains("namespace=\"" + NAMESPACE + "\"");
        assertThat(map(rendered("PrometheusRule").get("metadata")).get("namespace")).isEqualTo(NAMESPACE);
    }

    @Test
    void theDashboardIsAConfigMapForGrafanasSidecarWithADatasourceVariable() {
        Map<String, Object> configMap = rendered("ConfigMap");
        assertThat(map(map(configMap.get("metadata")).get("labels"))).containsEntry("grafana_dashboard", "1");
        // JSON is YAML: SnakeYAML reads the dashboard as it reads the manifests.
        Map<String, Object> dashboard = new Yaml().load((String) map(configMap.get("data")).get("product-service.json"));
        List<?> variables = (List<?>) map(dashboard.get("templating")).get("list");
        assertThat(map(variables.getFirst())).containsEntry("name", "datasource").containsEntry("type", "datasource");
        List<Object> datasources = new ArrayList<>();
        List<String> titles = new ArrayList<>();
        collect(dashboard, datasources, titles);
        // Every panel and query reads the variable: no data source UID of one Grafana is baked in.
        assertThat(datasources).hasSizeGreaterThan(20)
                .allSatisfy(ds -> assertThat(map(ds)).containsEntry("uid", "${datasource}"));
        assertThat(titles).contains("Request rate by route", "Error ratio", "Latency p50 by route", "Latency p99 by route",
                                    "Call rate by operation and outcome", "Call latency p99 by operation",
                                    "Retries by operation", "Throttles and errors by operation", "Items scanned per page",
                                    "Heap used", "GC pauses", "Threads", "Process CPU", "Resident memory (RSS)", "Ready pods");
    }

    private static void collect(Object node, List<Object> datasources, List<String> titles) {
        if (node instanceof Map<?, ?> object) {
            object.forEach((key, value) -> {
                if ("datasource".equals(key)) {
                    datasources.add(value);
                } else if ("title".equals(key) && value instanceof String title) {
                    titles.add(title);
                }
                collect(value, datasources, titles);
            });
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collect(item, datasources, titles));
        }
    }

    private static String rulesFile() {
        Map<String, Object> rule = new Yaml().load(Repository.read("k8s/monitoring/prometheusrule.yaml"));
        return new Yaml().dump(rule.get("spec"));
    }

    private static List<String> alertNames() {
        Map<String, Object> spec = map(((Map<String, Object>) new Yaml().load(Repository.read("k8s/monitoring/prometheusrule.yaml"))).get("spec"));
        List<String> names = new ArrayList<>();
        for (Object group : (List<?>) spec.get("groups")) {
            for (Object rule : (List<?>) map(group).get("rules")) {
                Object alert = map(rule).get("alert");
                if (alert != null) {
                    names.add((String) alert);
                }
            }
        }
        return names;
    }

    private static Map<String, Object> rendered(String kind) {
        Repository.requireTool("kubectl", "Install kubectl 1.27+ (it has kustomize built in).");
        String yaml = Repository.run(Duration.ofSeconds(30), "kubectl", "kustomize", "k8s/monitoring");
        return Repository.loadAll(yaml).stream().map(MonitoringTest::map)
                .filter(document -> kind.equals(document.get("kind"))).findFirst()
                .orElseThrow(() -> new AssertionError("k8s/monitoring renders no " + kind));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        return (Map<String, Object>) node;
    }
}
