package org.productservice.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;

/**
 * Reads one configuration key, strictly: {@code application.yaml} gives every key with a default
 * its value, so a key missing here is a configuration built without that file, and it stops the
 * start with the key's name and its environment variable instead of a default written a second
 * time in Java. Optional keys (no default in {@code application.yaml}) are read as
 * {@link Optional}.
 */
public final class ConfigKeys {
    private ConfigKeys() {
    }

    /**
     * The environment variable that sets a key: upper case, dots as underscores
     * ({@code dynamodb.timeout.call} is {@code DYNAMODB_TIMEOUT_CALL}).
     *
     * @param key a key, e.g. {@code limits.body}
     * @return its variable
     */
    public static String variable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /**
     * A key's name with its variable, as every settings message names it.
     *
     * @param node the key's node
     * @return e.g. {@code limits.body (LIMITS_BODY)}
     */
    public static String name(Config node) {
        String key = node.key().toString();
        return key + " (" + variable(key) + ")";
    }

    /**
     * The error of a value that breaks a rule.
     *
     * @param node the key's node
     * @param rule what the value must be, e.g. {@code "must be positive"}
     * @return the exception to throw
     */
    public static IllegalArgumentException invalid(Config node, String rule) {
        return new IllegalArgumentException(name(node) + " " + rule);
    }

    /**
     * A text key that must be set.
     *
     * @param node the key's node
     * @return its value
     */
    public static String string(Config node) {
        return required(node, "a text", String.class);
    }

    /**
     * A whole-number key that must be set.
     *
     * @param node the key's node
     * @return its value
     */
    public static int integer(Config node) {
        return required(node, "a whole number", Integer.class);
    }

    /**
     * A whole-number key that must be set and may exceed an {@code int}.
     *
     * @param node the key's node
     * @return its value
     */
    public static long longInteger(Config node) {
        return required(node, "a whole number", Long.class);
    }

    /**
     * A decimal key that must be set.
     *
     * @param node the key's node
     * @return its value
     */
    public static double decimal(Config node) {
        return required(node, "a number", Double.class);
    }

    /**
     * A boolean key that must be set.
     *
     * @param node the key's node
     * @return its value
     */
    public static boolean bool(Config node) {
        return required(node, "true or false", Boolean.class);
    }

    /**
     * A duration key that must be set, in ISO-8601 form ({@code PT1.5S}).
     *
     * @param node the key's node
     * @return its value
     */
    public static Duration duration(Config node) {
        return required(node, "a duration such as PT1.5S", Duration.class);
    }

    /**
     * A duration key that must be set and above zero.
     *
     * @param node the key's node
     * @return its value
     */
    public static Duration positiveDuration(Config node) {
        Duration value = duration(node);
        if (!value.isPositive()) {
            throw invalid(node, "must be positive");
        }
        return value;
    }

    /**
     * An optional text key (no default): empty when unset or blank.
     *
     * @param node the key's node
     * @return its value as given (a key or secret is used byte for byte)
     */
    public static Optional<String> optional(Config node) {
        return node.asString().asOptional().filter(value -> !value.isBlank());
    }

    /**
     * An optional key of another type (no default): empty when unset or blank.
     *
     * @param node  the key's node
     * @param parse reads the text, stripped; its IllegalArgumentException names the problem
     * @param <T>   the value's type
     * @return its value
     */
    public static <T> Optional<T> optional(Config node, Function<String, T> parse) {
        return optional(node).map(String::strip).map(text -> {
            try {
                return parse.apply(text);
            } catch (IllegalArgumentException e) {
                throw invalid(node, "cannot be read from " + text + ": " + e.getMessage());
            }
        });
    }

    private static <T> T required(Config node, String kind, Class<T> type) {
        if (!node.exists() || !node.isLeaf()) {
            throw new IllegalArgumentException(name(node) + " is not set: application.yaml gives it a default, so this "
                                                       + "configuration was built without that file");
        }
        try {
            return node.as(type).get();
        } catch (ConfigException e) {
            throw invalid(node, "must be " + kind + ", not " + node.asString().orElse("?"));
        }
    }
}
