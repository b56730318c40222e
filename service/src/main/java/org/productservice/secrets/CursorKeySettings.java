package org.productservice.secrets;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.config.Config;

import static org.productservice.config.ConfigKeys.duration;
import static org.productservice.config.ConfigKeys.optional;

/**
 * Where the cursor signing key comes from when it is kept in AWS Secrets Manager, read from
 * configuration in one place (defaults: {@code application.yaml}).
 *
 * @param arn        {@code api.cursor.arn}: the secret's ARN; its region is the one the client calls
 * @param endpoint   {@code secretsmanager.endpoint}: an endpoint override (an emulator, a test); empty: AWS
 * @param timeout    {@code secretsmanager.timeout}: bound of one GetSecretValue call, retries included
 * @param retryFirst {@code secretsmanager.retry.first}: wait before the first retry after a failure
 * @param retryMax   {@code secretsmanager.retry.max}: longest wait between retries (the wait doubles up to it)
 */
public record CursorKeySettings(String arn, Optional<URI> endpoint, Duration timeout, Duration retryFirst, Duration retryMax) {
    private static final Pattern SECRET_ARN = Pattern.compile("arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\\d{12}:secret:(.+)");

    /** Checks the ARN, so that a typo stops the start instead of failing every retry. */
    public CursorKeySettings {
        if (!SECRET_ARN.matcher(arn).matches()) {
            throw new IllegalArgumentException("api.cursor.arn is not a Secrets Manager secret ARN: " + arn);
        }
        if (timeout.isNegative() || timeout.isZero() || retryFirst.isNegative() || retryFirst.isZero()
                || retryMax.compareTo(retryFirst) < 0) {
            throw new IllegalArgumentException("secretsmanager.timeout and secretsmanager.retry.first must be positive, "
                                                       + "secretsmanager.retry.max at least retry.first");
        }
    }

    /**
     * Reads the settings; empty when {@code api.cursor.arn} is not set (the key then comes from
     * {@code api.cursor.secret}).
     *
     * @param root the root configuration
     * @return the settings, if the key is kept in Secrets Manager
     */
    public static Optional<CursorKeySettings> create(Config root) {
        Config secretsManager = root.get("secretsmanager");
        return optional(root.get("api.cursor.arn")).map(String::strip)
                .map(arn -> new CursorKeySettings(arn,
                                                  optional(secretsManager.get("endpoint"), URI::create),
                                                  duration(secretsManager.get("timeout")),
                                                  duration(secretsManager.get("retry.first")),
                                                  duration(secretsManager.get("retry.max"))));
    }

    /**
     * The secret's region, from its ARN: a secret can only be read in its own region.
     *
     * @return the region, e.g. {@code eu-west-1}
     */
    public String region() {
        return arnPart(1);
    }

    /**
     * The secret's name as its ARN ends (in a full ARN, with the six characters Secrets Manager
     * appends): what an operator recognizes, without the account and region of the ARN. The
     * health details show this, never the ARN.
     *
     * @return the name, e.g. {@code CursorKey-EXAMPLE0a1b2c-AbCdEf}
     */
    public String name() {
        return arnPart(2);
    }

    private String arnPart(int group) {
        Matcher matcher = SECRET_ARN.matcher(arn);
        if (!matcher.matches()) {
            throw new IllegalStateException(arn);
        }
        return matcher.group(group);
    }
}
