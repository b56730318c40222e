package org.productservice.secrets;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
    private final AtomicReference<Attempt> last = new AtomicReference<>(new Attempt("not read yet", Optional.empty()));
    private final AtomicInteger attempts = new AtomicInteger();
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
     * What the last read found, as the health details show it: words and an error name, never
     * an exception's message (it may hold ARNs: the role's, the secret's) nor the key.
     *
     * @param state "read", or why not
     * @param error the AWS error code or the exception's class, when the read failed
     */
    private record Attempt(String state, Optional<String> error) {
    }

    /**
     * The readiness check: DOWN, with the reason, until the key is read. Its details name the
     * secret (not its ARN), the state, the last error and the number of reads tried.
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
                Attempt attempt = last.get();
                HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                        .status(key.get() != null)
                        .detail("secret", settings.name())
                        .detail("state", attempt.state())
                        .detail("attempts", attempts.get());
                attempt.error().ifPresent(error -> response.detail("error", error));
                return response.build();
            }
        };
    }

    private void readUntilLoaded() {
        Duration wait = settings.retryFirst();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                attempts.incrementAndGet();
                key.set(read());
                last.set(new Attempt("read", Optional.empty()));
                loaded.countDown();
                LOGGER.log(Level.INFO, "cursor key read from " + settings.arn());
                return;
            } catch (SdkException | IllegalStateException e) {
                Attempt failed = failed(e);
                last.set(failed);
                // The log, unlike the health details, gets the whole story: ARN and message.
                LOGGER.log(Level.WARNING, "cannot read the cursor key " + settings.arn() + ": " + failed.state()
                        + (e instanceof SdkException ? " (" + e + ")" : "")
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

    private static Attempt failed(Exception e) {
        if (e instanceof IllegalStateException unusable) {
            // One of read()'s own messages: fixed words about the value, never the value.
            return new Attempt(unusable.getMessage(), Optional.empty());
        }
        Optional<String> error = Optional.of(e.getClass().getSimpleName());
        if (e instanceof ResourceNotFoundException) {
            return new Attempt("no such secret", error);
        }
        if (e instanceof SecretsManagerException sm && sm.awsErrorDetails() != null) {
            String code = sm.awsErrorDetails().errorCode();
            if ("AccessDeniedException".equals(code)) {
                return new Attempt("access denied: the service role needs secretsmanager:GetSecretValue on this secret",
                                   Optional.of(code));
            }
            return new Attempt("Secrets Manager answered HTTP " + sm.statusCode(), Optional.ofNullable(code).or(() -> error));
        }
        if (e instanceof SdkClientException) {
            return new Attempt("Secrets Manager unreachable or no credentials (see the log)", error);
        }
        return new Attempt("cannot read the secret (see the log)", error);
    }

    /** Stops retrying and closes the client. */
    @Override
    public void close() {
        reader.interrupt();
        client.close();
    }
}
