package org.productservice.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.EnvironmentVariables;

import org.junit.jupiter.api.Test;

import org.productservice.auth.AuthSettings;
import org.productservice.dynamodb.DynamoDbSettings;
import org.productservice.product.ProductApiSettings;
import org.productservice.schema.Tables;
import org.productservice.server.ServerSettings;
import org.productservice.testing.TestConfig;
import org.productservice.tracing.TracingSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * docs/CONFIGURATION.md against application.yaml. The rule: the tables list exactly the keys
 * application.yaml names, either with a value (its default) or in a comment line
 * {@code # key: ...} (a key without a default; for {@code otel.*}, a one-word comment value is
 * the specification's default). Each row's variable is the one Helidon maps onto the key, and its
 * default column starts with the yaml's value, or with "unset" when there is none.
 */
class ConfigurationDocTest {
    private static final Path ROOT = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();
    private static final Path DOC = ROOT.resolve("docs/CONFIGURATION.md");
    private static final Path YAML = ROOT.resolve("service/src/main/resources/application.yaml");
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z][a-z0-9.]*)` \\| `([A-Z0-9_]+)` \\| ([^|]*) \\|");
    /** A commented key: {@code # key: value # note}; the indentation after '#' continues the yaml's nesting. */
    private static final Pattern COMMENTED = Pattern.compile("^( *)#( +)([a-z][a-z0-9.]*):(?: +([^#]*?))? *(?:#.*)?$");
    private static final Pattern KEY = Pattern.compile("^( *)([a-z][a-z0-9.]*):");

    @Test
    void theTablesListExactlyTheKeysApplicationYamlNames() throws IOException {
        Map<String, Optional<String>> named = new TreeMap<>(set());
        named.putAll(commented());

        assertThat(rows().keySet()).containsExactlyInAnyOrderElementsOf(named.keySet());
    }

    @Test
    void eachVariableIsTheOneHelidonMapsOntoItsKey() throws IOException {
        rows().forEach((key, row) -> {
            assertThat(row.variable()).as(key).isEqualTo(ConfigKeys.variable(key));
            assertThat(EnvironmentVariables.expand(Map.of(row.variable(), "x"))).as(row.variable()).containsKey(key);
        });
    }

    @Test
    void eachDefaultIsTheOneApplicationYamlGives() throws IOException {
        Map<String, Row> rows = rows();
        Map<String, Optional<String>> named = new TreeMap<>(set());
        named.putAll(commented());
        named.forEach((key, value) -> {
            assertThat(rows).as("rows").containsKey(key);
            assertThat(rows.get(key).defaultValue()).as("default of " + key)
                    .startsWith(value.map(v -> "`" + v + "`").orElse("unset"));
        });

        Config local = Config.just(ConfigSources.classpath("application-local.yaml"));
        local.traverse().filter(Config::isLeaf).forEach(node -> {
            String key = node.key().toString();
            assertThat(named).as("application-local.yaml sets only keys application.yaml names").containsKey(key);
            assertThat(rows).as("rows").containsKey(key);
            assertThat(rows.get(key).defaultValue()).as("local default of " + key)
                    .contains("local: `" + node.asString().get() + "`");
        });
    }

    @Test
    void theOpenTelemetryDefaultsInTheCommentsAreTheOnesTheServiceApplies() throws IOException {
        Map<String, Optional<String>> otel = commented();
        TracingSettings settings = TracingSettings.create(TestConfig.production(Map.of()));

        assertThat(otel.get("otel.traces.sampler")).contains(settings.sampler());
        assertThat(otel.get("otel.traces.sampler.arg")).contains(Double.toString(settings.ratio()));
        assertThat(otel.get("otel.service.name")).contains(settings.serviceName());
        assertThat(otel.get("otel.propagators")).contains(String.join(",", settings.propagators()));
        assertThat(otel.get("otel.exporter.otlp.timeout")).contains(Long.toString(settings.exportTimeout().toMillis()));
        assertThat(otel.get("otel.bsp.schedule.delay")).contains(Long.toString(settings.scheduleDelay().toMillis()));
        assertThat(otel.get("otel.bsp.max.queue.size")).contains(Integer.toString(settings.maxQueueSize()));
        assertThat(otel.get("otel.bsp.max.export.batch.size")).contains(Integer.toString(settings.maxExportBatch()));
    }

    @Test
    void theTableNamesAreTheSharedSchemasSoTheInfrastructureCreatesWhatTheServiceReads() {
        DynamoDbSettings dynamoDb = DynamoDbSettings.create(TestConfig.production(Map.of()).get("dynamodb"), 1);

        assertThat(dynamoDb.productTable()).isEqualTo(Tables.PRODUCTS.defaultName());
        assertThat(dynamoDb.nameIndex()).isEqualTo(Tables.PRODUCT_NAME_INDEX.name());
        assertThat(dynamoDb.idempotencyTable()).isEqualTo(Tables.IDEMPOTENCY.defaultName());
    }

    @Test
    void theRealEnvironmentSourceMapsEveryDocumentedVariableOntoItsKey() throws Exception {
        Map<String, Row> rows = rows();
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                                                       "-cp", System.getProperty("java.class.path"),
                                                       "-Dconfig.profile=local",
                                                       ConfigAsMainReadsIt.class.getName()));
        command.addAll(rows.keySet());
        ProcessBuilder child = new ProcessBuilder(command).redirectErrorStream(true);
        rows.values().forEach(row -> child.environment().put(row.variable(), "env-" + row.variable()));
        Process process = child.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        rows.forEach((key, row) -> assertThat(output.lines()).as(output).contains(key + "=env-" + row.variable()));
    }

    @Test
    void anEnvironmentVariableOverridesEveryKeyInBothFiles() {
        Map<String, String> env = new HashMap<>();
        set().keySet().forEach(key -> env.put(ConfigKeys.variable(key), "from-the-environment"));
        Config config = asMainBuildsIt(env);

        set().keySet().forEach(key -> assertThat(config.get(key).asString().get()).as(key).isEqualTo("from-the-environment"));
    }

    @Test
    void theSettingsReadWhatTheEnvironmentSets() {
        Config config = asMainBuildsIt(Map.of("LIMITS_BODY", "1024",
                                              "ADMIN_PORT", "9999",
                                              "CONNECTIONS_TIMEOUT_HEAD", "PT4S",
                                              "DYNAMODB_TIMEOUT_CALL", "PT7S",
                                              "API_PAGE_MAX", "50",
                                              "AUTH_MODE", "jwt",
                                              "AUTH_ISSUER", "https://issuer.example",
                                              "AUTH_AUDIENCE", "product-reader,product-writer",
                                              "AUTH_KEYS_BURST", "5"));

        ServerSettings server = ServerSettings.create(config);
        assertThat(server.limits().bodyBytes()).isEqualTo(1024);
        assertThat(server.admin().port()).isEqualTo(9999);
        assertThat(server.connections().head()).isEqualTo(Duration.ofSeconds(4));
        assertThat(DynamoDbSettings.create(config.get("dynamodb"), 1).apiCallTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(ProductApiSettings.create(config.get("api")).maxPageSize()).isEqualTo(50);
        AuthSettings auth = AuthSettings.create(config.get("auth"));
        assertThat(auth.mode()).as("the environment wins over application-local.yaml").isEqualTo(AuthSettings.Mode.JWT);
        assertThat(auth.audiences()).containsExactlyInAnyOrder("product-reader", "product-writer");
        assertThat(auth.keysBurst()).isEqualTo(5);
    }

    @Test
    void aMissingOrUnreadableKeyStopsTheStartNamingItAndItsVariable() {
        assertThatThrownBy(() -> ServerSettings.create(Config.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("limits.body (LIMITS_BODY) is not set");
        assertThatThrownBy(() -> ServerSettings.create(asMainBuildsIt(Map.of("LIMITS_WAIT", "half a second"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limits.wait (LIMITS_WAIT) must be a duration such as PT1.5S, not half a second");
    }

    /**
     * As {@code Config.create()} in Main with the local profile: the environment (through the
     * mapping Helidon's environment source applies), then application-local.yaml, then
     * application.yaml; the real environment and system properties are left out.
     */
    private static Config asMainBuildsIt(Map<String, String> environment) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(EnvironmentVariables.expand(environment)),
                         ConfigSources.classpath("application-local.yaml"),
                         ConfigSources.classpath("application.yaml"))
                .build();
    }

    /** The keys application.yaml sets, with their values ({@code cursor:} with only comments under it sets nothing). */
    private static Map<String, Optional<String>> set() {
        Map<String, Optional<String>> keys = new TreeMap<>();
        Config.just(ConfigSources.classpath("application.yaml")).traverse().filter(Config::isLeaf)
                .forEach(node -> node.asString().asOptional().filter(value -> !value.isBlank())
                        .ifPresent(value -> keys.put(node.key().toString(), Optional.of(value))));
        return keys;
    }

    /**
     * The keys application.yaml names only in a comment, with their one-word comment value if
     * any; a commented key with commented keys under it ({@code # otel:}) is only their parent.
     */
    private static Map<String, Optional<String>> commented() throws IOException {
        Map<String, Optional<String>> keys = new LinkedHashMap<>();
        Deque<Map.Entry<Integer, String>> parents = new ArrayDeque<>();
        for (String line : Files.readAllLines(YAML)) {
            Matcher commented = COMMENTED.matcher(line);
            Matcher key = KEY.matcher(line);
            int indent;
            String name;
            if (commented.matches()) {
                indent = commented.group(1).length() + commented.group(2).length() - 1;
                name = commented.group(3);
            } else if (key.find()) {
                indent = key.group(1).length();
                name = key.group(2);
            } else {
                continue;
            }
            while (!parents.isEmpty() && parents.peek().getKey() >= indent) {
                parents.pop();
            }
            String path = parents.isEmpty() ? name : parents.peek().getValue() + "." + name;
            parents.push(Map.entry(indent, path));
            if (commented.matches()) {
                keys.remove(parents.size() > 1 ? List.copyOf(parents).get(1).getValue() : "");
                String value = commented.group(4) == null ? "" : commented.group(4).strip();
                keys.put(path, value.isEmpty() || value.contains(" ") ? Optional.empty() : Optional.of(value));
            }
        }
        return keys;
    }

    private static Map<String, Row> rows() throws IOException {
        Map<String, Row> rows = new TreeMap<>();
        Matcher row = ROW.matcher(Files.readString(DOC));
        while (row.find()) {
            assertThat(rows.put(row.group(1), new Row(row.group(2), row.group(3).strip()))).as("one row for " + row.group(1))
                    .isNull();
        }
        assertThat(rows).isNotEmpty();
        return rows;
    }

    private record Row(String variable, String defaultValue) {
    }
}
