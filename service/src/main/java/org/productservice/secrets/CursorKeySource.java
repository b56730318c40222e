package org.productservice.secrets;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * The cursor signing key, read once from AWS Secrets Manager when the service starts
 * ({@code api.cursor.arn}). The read runs in the background and is retried, with a doubling wait,
 * until it succeeds: a pod whose role cannot read the secret yet (an IAM change still
 * propagating, a Secrets Manager hiccup) comes ready by itself once it can. Until then its
 * readiness check is DOWN and says why, and every failure is logged with the reason.
 *
 * <p>The key is a {@link Supplier}: empty until read, then the secret's string for good (a
 * rotation is a rollout, see the README).
 */
public final class CursorKeySource implements Supplier<Optional<String>>, AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(CursorKeySource.class.getName());
    /** The stack generates 64 characters; anything much shorter is not a key made for HMAC-SHA256. */
    static final int MINIMUM_LENGTH = 32;

    private final SecretsManagerClient client;
    private final CursorKeySettings settings;
    private final AtomicReference<String> key = new AtomicReference<>();
    private final AtomicReference<String> problem = new AtomicReference<>("not read yet");
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Thread reader;

    private CursorKeySource(SecretsManagerClient client, CursorKeySettings settings) {
        this.client = client;
        this.settings = settings;
        this.reader = Thread.ofVirtual().name("cursor-key-reader").unstarted(this::readUntilLoaded);
    }

    /**
     * Starts reading the key in the background.
     *
     * @param client   Secrets Manager client (closed with this source)
     * @param settings the secret's ARN and the retry bounds
     * @return the source, reading
     */
    public static CursorKeySource start(SecretsManagerClient client, CursorKeySettings settings) {
        CursorKeySource source = new CursorKeySource(Objects.requireNonNull(client), Objects.requireNonNull(settings));
        source.reader.start();
        return source;
    }

    /**
     * The key, once read.
     *
     * @return the key, or empty while it has not been read
     */
    @Override
    public Optional<String> get() {
        return Optional.ofNullable(key.get());
    }

    /**
     * Waits for the key.
     *
     * @param timeout longest wait
     * @return the key, or empty if it was not read within the timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public Optional<String> await(Duration timeout) throws InterruptedException {
        loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return get();
    }

    /**
     * The readiness check: DOWN, with the reason, until the key is read.
     *
     * @return the check
     */
    public HealthCheck readiness() {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "cursor-key";
            }

            @Override
            public HealthCheckResponse call() {
                boolean ready = key.get() != null;
                return HealthCheckResponse.builder()
                        .status(ready)
                        .detail("secret", settings.arn())
                        .detail("state", ready ? "read" : problem.get())
                        .build();
            }
        };
    }

    private void readUntilLoaded() {
        Duration wait = settings.retryFirst();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                key.set(read());
                problem.set("read");
                loaded.countDown();
                LOGGER.log(Level.INFO, "cursor key read from " + settings.arn());
                return;
            } catch (SdkException | IllegalStateException e) {
                String reason = reason(e);
                problem.set(reason);
                LOGGER.log(Level.WARNING, "cannot read the cursor key " + settings.arn() + ": " + reason
                        + "; not ready, retrying in " + wait.toMillis() + " ms");
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            wait = wait.multipliedBy(2).compareTo(settings.retryMax()) > 0 ? settings.retryMax() : wait.multipliedBy(2);
        }
    }

    private String read() {
        GetSecretValueResponse response = client.getSecretValue(b -> b.secretId(settings.arn())
                .overrideConfiguration(o -> o.apiCallTimeout(settings.timeout())));
        String value = response.secretString();
        if (value == null) {
            throw new IllegalStateException("the secret has no string value (a binary secret?); store the key as a string");
        }
        if (value.strip().length() < MINIMUM_LENGTH) {
            throw new IllegalStateException("the secret is shorter than " + MINIMUM_LENGTH + " characters; it is not a signing key");
        }
        return value.strip();
    }

    private String reason(Exception e) {
        if (e instanceof ResourceNotFoundException) {
            return "no such secret (ResourceNotFoundException)";
        }
        if (e instanceof SecretsManagerException sm && sm.awsErrorDetails() != null) {
            String code = sm.awsErrorDetails().errorCode();
            if ("AccessDeniedException".equals(code)) {
                return "access denied: the service role needs secretsmanager:GetSecretValue on this ARN (AccessDeniedException)";
            }
            return code + " (HTTP " + sm.statusCode() + ")";
        }
        if (e instanceof SdkClientException) {
            return "Secrets Manager unreachable: " + e.getMessage();
        }
        return e.getMessage();
    }

    /** Stops retrying and closes the client. */
    @Override
    public void close() {
        reader.interrupt();
        client.close();
    }
}
