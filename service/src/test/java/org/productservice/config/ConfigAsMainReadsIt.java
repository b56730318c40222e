package org.productservice.config;

import io.helidon.config.Config;

/**
 * Run in a JVM of its own by {@link ConfigurationDocTest}: prints {@code key=value} for each key
 * given, read from {@code Config.create()} as {@code Main} reads it, so that the real environment
 * variables go through Helidon's own environment source.
 */
public final class ConfigAsMainReadsIt {
    private ConfigAsMainReadsIt() {
    }

    /**
     * Prints the keys.
     *
     * @param keys the keys to print
     */
    public static void main(String[] keys) {
        Config config = Config.create();
        for (String key : keys) {
            System.out.println(key + "=" + config.get(key).asString().orElse("<unset>"));
        }
    }
}
