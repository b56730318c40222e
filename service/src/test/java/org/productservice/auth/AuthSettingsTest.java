package org.productservice.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The auth settings: lists, refused values, and the README's table in step with application.yaml. */
class AuthSettingsTest {
    private static final Path ROOT = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();

    private static AuthSettings settings(Map<String, String> values) {
        Map<String, String> all = new LinkedHashMap<>(Map.of("mode", "jwt", "issuer", "https://issuer.example",
                                                             "audience", "product-api"));
        all.putAll(values);
        return AuthSettings.create(Config.just(ConfigSources.create(all)));
    }

    @Test
    void audiencesAndAlgorithmsAreCommaSeparatedLists() {
        AuthSettings settings = settings(Map.of("audience", "product-reader, product-writer,", "algorithms", "RS256,ES256"));

        assertThat(settings.audiences()).containsExactlyInAnyOrder("product-reader", "product-writer");
        assertThat(settings.algorithms()).containsExactlyInAnyOrder("RS256", "ES256");
    }

    @Test
    void theDefaultsAreTodaysBehaviour() {
        AuthSettings settings = settings(Map.of());

        assertThat(settings.principalClaim()).isEqualTo("sub");
        assertThat(settings.algorithms()).isEmpty();
        assertThat(settings.audiences()).isEqualTo(Set.of("product-api"));
    }

    @Test
    void refusedValuesNameTheirKeyAndVariable() {
        assertThatThrownBy(() -> settings(Map.of("algorithms", "RS256,HS256")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AUTH_ALGORITHMS").hasMessageContaining("HS256");
        assertThatThrownBy(() -> settings(Map.of("algorithms", "none")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.algorithms");
        assertThatThrownBy(() -> settings(Map.of("audience", " , ")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AUTH_AUDIENCE");
        assertThatThrownBy(() -> settings(Map.of("keys.burst", "0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AUTH_KEYS_BURST");
    }

    @Test
    void everyAuthKeyOfApplicationYamlHasAReadmeRowWithItsVariableAndDefault() throws IOException {
        Config yaml = Config.just(ConfigSources.classpath("application.yaml")).get("auth");
        Map<String, String> defaults = new LinkedHashMap<>();
        yaml.traverse().filter(Config::isLeaf)
                .forEach(node -> defaults.put("auth." + node.key().toString().substring("auth.".length()), node.asString().get()));
        Map<String, String[]> rows = new LinkedHashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `(auth\\.[a-z.]+)` \\| `([A-Z_]+)` \\| ([^|]*) \\|")
                .matcher(Files.readString(ROOT.resolve("README.md")));
        while (row.find()) {
            rows.put(row.group(1), new String[] {row.group(2), row.group(3)});
        }

        assertThat(defaults).isNotEmpty();
        for (Map.Entry<String, String> entry : defaults.entrySet()) {
            assertThat(rows).as("README row of " + entry.getKey()).containsKey(entry.getKey());
            assertThat(rows.get(entry.getKey())[1]).as("README default of " + entry.getKey())
                    .contains("`" + entry.getValue() + "`");
        }
        for (Map.Entry<String, String[]> entry : rows.entrySet()) {
            assertThat(entry.getValue()[0]).as("variable of " + entry.getKey())
                    .isEqualTo(entry.getKey().toUpperCase(Locale.ROOT).replace('.', '_'));
        }
    }
}
