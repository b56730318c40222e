package org.productservice.observability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/METRICS.md, the operators' index of metrics, against what the metrics endpoint really
 * exposes after some traffic, what the alerts and dashboard read, and the classes it names.
 */
class MetricsIndexTest {
    private static final Path ROOT = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    // Metric names as the rules and the dashboard write them; kube-state-metrics' kube_* are not the service's.
    private static final Pattern QUERIED = Pattern.compile("\\b((?:http_server|dynamodb_client|auth|jvm|process|system)_[a-z0-9_]+)");

    @AutoClose
    private static final RunningService SERVER = RunningService.start(Map.of());
    private static Index index;

    @BeforeAll
    static void readIndex() throws IOException {
        index = Index.read(ROOT.resolve("docs/METRICS.md"));
    }

    @Test
    void everyExposedFamilyIsIndexedAndEveryAlwaysPresentOneIsExposed() {
        Api api = SERVER.api();
        String id = api.createProduct("indexed", "metrics").path("id").asText();
        assertThat(api.get("/products/" + id).status()).isEqualTo(200);
        assertThat(api.get("/products?limit=5").status()).isEqualTo(200);

        Set<String> exposed = families(SERVER.admin()
                                               .get("/observe/metrics", "Accept", "text/plain").body());

        assertThat(exposed).as("families exposed").contains("http_server_requests_seconds", "dynamodb_client_calls_seconds");
        assertThat(index.present().keySet()).as("families in docs/METRICS.md").containsAll(exposed);
        assertThat(exposed).as("families exposed").containsAll(index.alwaysPresent());
    }

    @Test
    void everyMetricTheAlertsAndDashboardReadIsIndexed() throws IOException {
        Set<String> queried = new TreeSet<>();
        for (String file : new String[] {"k8s/monitoring/prometheusrule.yaml", "k8s/monitoring/dashboards/product-service.json"}) {
            Matcher name = QUERIED.matcher(Files.readString(ROOT.resolve(file)));
            while (name.find()) {
                queried.add(family(name.group(1), index.present().keySet()));
            }
        }
        assertThat(queried).isNotEmpty();
        assertThat(index.present().keySet()).containsAll(queried);
    }

    @Test
    void everyClassTheIndexNamesExists() throws IOException {
        Set<String> classes = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(ROOT.resolve("service/src/main/java"))) {
            sources.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".java"))
                    .forEach(name -> classes.add(name.substring(0, name.length() - ".java".length())));
        }
        assertThat(index.recordedIn()).isNotEmpty();
        assertThat(classes).containsAll(index.recordedIn());
    }

    /** The families of a scrape, a histogram's or summary's {@code _max} gauge counted as part of it. */
    static Set<String> families(String scrape) {
        Map<String, String> types = new TreeMap<>();
        Matcher type = TYPE.matcher(scrape);
        while (type.find()) {
            types.put(type.group(1), type.group(2));
        }
        Set<String> families = new TreeSet<>();
        types.forEach((name, kind) -> {
            String base = name.endsWith("_max") ? name.substring(0, name.length() - "_max".length()) : name;
            boolean maxOfOther = !base.equals(name) && Set.of("histogram", "summary").contains(types.get(base));
            if (!maxOfOther) {
                families.add(name);
            }
        });
        return families;
    }

    /** The family a sample name in a query belongs to: itself, or an indexed family it extends. */
    private static String family(String name, Set<String> indexed) {
        for (String suffix : new String[] {"_bucket", "_count", "_sum", "_max"}) {
            if (name.endsWith(suffix) && indexed.contains(name.substring(0, name.length() - suffix.length()))) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    /**
     * The rows of docs/METRICS.md's tables: metric names (first column), the classes that record
     * them (the fourth) and when they are present (the last).
     */
    private record Index(Map<String, String> present, Set<String> recordedIn) {
        static Index read(Path doc) throws IOException {
            Map<String, String> present = new TreeMap<>();
            Set<String> classes = new TreeSet<>();
            for (String line : Files.readAllLines(doc)) {
                if (!line.startsWith("| `")) {
                    continue;
                }
                String[] cells = line.substring(1, line.length() - 1).split(" \\| ", -1);
                assertThat(cells).as("columns of %s", line).hasSize(6);
                codes(cells[0]).forEach(name -> present.put(name, cells[5].strip()));
                codes(cells[3]).stream().filter(name -> name.matches("[A-Z][A-Za-z0-9]+")).forEach(classes::add);
            }
            return new Index(present, classes);
        }

        Set<String> alwaysPresent() {
            Set<String> always = new TreeSet<>();
            present.forEach((name, when) -> {
                if (when.startsWith("always")) {
                    always.add(name);
                }
            });
            return always;
        }

        private static Set<String> codes(String cell) {
            Set<String> codes = new TreeSet<>();
            Matcher code = CODE.matcher(cell);
            while (code.find()) {
                codes.add(code.group(1));
            }
            return codes;
        }
    }
}
