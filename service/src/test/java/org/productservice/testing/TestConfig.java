package org.productservice.testing;

import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * Configuration for tests that build settings: the bundled {@code application.yaml} (the one
 * place defaults live) with the given keys set on top, never the real environment. Settings are
 * read from it ({@code ProductApiSettings.create(TestConfig.production(...).get("api"))}), never
 * built positionally, so that a new setting breaks no test.
 */
public final class TestConfig {
    private TestConfig() {
    }

    /**
     * The production defaults ({@code application.yaml}) with overrides.
     *
     * @param overrides keys to set, e.g. {@code api.cursor.secret}
     * @return configuration
     */
    public static Config production(Map<String, String> overrides) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(overrides), ConfigSources.classpath("application.yaml"))
                .build();
    }

    /**
     * The local profile ({@code application-local.yaml} over {@code application.yaml}, as
     * {@code make run} and the tests use) with overrides.
     *
     * @param overrides keys to set
     * @return configuration
     */
    public static Config local(Map<String, String> overrides) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(overrides),
                         ConfigSources.classpath("application-local.yaml"),
                         ConfigSources.classpath("application.yaml"))
                .build();
    }
}
