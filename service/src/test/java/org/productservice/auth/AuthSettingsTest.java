package org.productservice.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.productservice.testing.TestConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The auth settings: lists, defaults and refused values (ConfigurationDocTest checks the documented keys). */
class AuthSettingsTest {
    private static AuthSettings settings(Map<String, String> values) {
        Map<String, String> all = new LinkedHashMap<>(Map.of("issuer", "https://issuer.example", "audience", "product-api"));
        all.putAll(values);
        Map<String, String> keys = new LinkedHashMap<>();
        all.forEach((key, value) -> keys.put("auth." + key, value));
        return AuthSettings.create(TestConfig.production(keys).get("auth"));
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
        assertThat(settings.mode()).isEqualTo(AuthSettings.Mode.JWT);
        assertThat(settings.tokenCache()).isEqualTo(10_000);
    }

    @Test
    void aConfigurationWithoutApplicationYamlNamesTheMissingKeyAndItsVariable() {
        assertThatThrownBy(() -> AuthSettings.create(io.helidon.config.Config.empty().get("auth")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("auth.mode (AUTH_MODE) is not set");
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
}
