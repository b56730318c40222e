package org.productservice.secrets;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.helidon.health.HealthCheckResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.productservice.testing.TestConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cursor key read from Secrets Manager over real HTTP, from a local server speaking its protocol. */
class CursorKeySourceTest {
    static final String ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CursorKey-EXAMPLE0a1b2c-AbCdEf";
    /** What the health details call the secret: its name, never the ARN (account and region). */
    static final String NAME = "CursorKey-EXAMPLE0a1b2c-AbCdEf";
    static final String KEY = "Q3VyC2sFjXw9mVb7LpT4hZr8NyKe2DgA6uWc1oJxRf5sMiH0vBnPqEt3aYdGlOkU";

    @BeforeAll
    static void credentials() {
        // The client uses the SDK's default chain (IRSA, Pod Identity in production); here the
        // system properties, which the chain reads first.
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }

    @AfterAll
    static void noCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private static CursorKeySettings settings(FakeSecretsManager fake) {
        return settings(fake.endpoint());
    }

    /**
     * Short retry waits, and the production call bound (application.yaml): the first call also
     * starts the SDK, which took over 2 s on a loaded machine.
     */
    private static CursorKeySettings settings(String endpoint) {
        return CursorKeySettings.create(TestConfig.production(Map.of("api.cursor.arn", ARN,
                                                                     "secretsmanager.endpoint", endpoint,
                                                                     "secretsmanager.retry.first", "PT0.05S",
                                                                     "secretsmanager.retry.max", "PT0.2S")))
                .orElseThrow();
    }

    @Test
    void readsTheKeyOnceWithASignedGetSecretValueInTheSecretsRegion() throws IOException, InterruptedException {
        try (FakeSecretsManager fake = FakeSecretsManager.start()) {
            fake.secrets(Map.of(ARN, KEY));
            try (CursorKeySource source = CursorKeySource.start(SecretsManagerClients.create(settings(fake)), settings(fake))) {
                assertThat(source.await(Duration.ofSeconds(10))).contains(KEY);
                HealthCheckResponse health = source.readiness().call();
                assertThat(health.status()).isEqualTo(HealthCheckResponse.Status.UP);
                assertThat(health.details()).isEqualTo(Map.of("secret", NAME, "state", "read", "attempts", 1));
            }
            assertThat(fake.requests()).singleElement().satisfies(request -> {
                assertThat(request.target()).isEqualTo("secretsmanager.GetSecretValue");
                assertThat(request.contentType()).isEqualTo("application/x-amz-json-1.1");
                assertThat(request.body().toString()).isEqualTo("{\"SecretId\":\"" + ARN + "\"}");
                // SigV4 for the secret's region (from its ARN) and the secretsmanager service.
                assertThat(request.authorization()).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                        .contains("/eu-west-1/secretsmanager/aws4_request");
            });
        }
    }

    @Test
    void notReadyAndSaysWhyUntilTheRoleMayReadThenReadyByItself() throws IOException, InterruptedException {
        try (FakeSecretsManager fake = FakeSecretsManager.start()) {
            fake.secrets(Map.of(ARN, KEY));
            fake.deny(true);
            try (CursorKeySource source = CursorKeySource.start(SecretsManagerClients.create(settings(fake)), settings(fake))) {
                HealthCheckResponse down = answered(source);
                assertThat(source.get()).isEmpty();
                assertThat(down.status()).isEqualTo(HealthCheckResponse.Status.DOWN);
                assertThat(down.details()).containsEntry("secret", NAME)
                        .containsEntry("state", "access denied: the service role needs secretsmanager:GetSecretValue on this secret")
                        .containsEntry("error", "AccessDeniedException")
                        .containsKey("attempts");
                // The denial's message names the ARN; the details never do.
                assertNoArnOrKey(down);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (fake.requests().size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(fake.requests().size()).as("retried in the background").isGreaterThan(1);

                fake.deny(false);
                assertThat(source.await(Duration.ofSeconds(10))).contains(KEY);
                assertThat(source.readiness().call().status()).isEqualTo(HealthCheckResponse.Status.UP);
            }
        }
    }

    @Test
    void aMissingOrUnusableSecretIsReportedAsSuch() throws IOException, InterruptedException {
        try (FakeSecretsManager fake = FakeSecretsManager.start()) {
            try (CursorKeySource source = CursorKeySource.start(SecretsManagerClients.create(settings(fake)), settings(fake))) {
                HealthCheckResponse missing = answered(source);
                assertThat(missing.details()).containsEntry("state", "no such secret")
                        .containsEntry("error", "ResourceNotFoundException");
                assertNoArnOrKey(missing);
                assertThat(source.get()).isEmpty();
            }
            fake.secrets(Map.of(ARN, "short"));
            try (CursorKeySource source = CursorKeySource.start(SecretsManagerClients.create(settings(fake)), settings(fake))) {
                HealthCheckResponse tooShort = answered(source);
                assertThat(tooShort.details())
                        .containsEntry("state", "the secret is shorter than 32 characters; it is not a signing key")
                        .doesNotContainKey("error");
                assertNoArnOrKey(tooShort);
                assertThat(tooShort.details().toString()).doesNotContain("short=", "=short");
                assertThat(source.get()).isEmpty();
            }
        }
    }

    @Test
    void anUnreachableSecretsManagerIsReportedByErrorClassNotByMessage() throws IOException, InterruptedException {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        CursorKeySettings nowhere = settings("http://127.0.0.1:" + closed);
        try (CursorKeySource source = CursorKeySource.start(SecretsManagerClients.create(nowhere), nowhere)) {
            HealthCheckResponse down = answered(source);
            assertThat(down.status()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(down.details()).containsEntry("secret", NAME)
                    .containsEntry("state", "Secrets Manager unreachable or no credentials (see the log)");
            // Refused at once, or out of time after the retries: either way the class, not the text.
            assertThat(down.details().get("error")).isIn("SdkClientException", "ApiCallTimeoutException");
            // The client's message names the endpoint; an operator finds it in the log, not in the probe.
            assertThat(down.details().toString()).doesNotContain("127.0.0.1", String.valueOf(closed));
            assertNoArnOrKey(down);
        }
    }

    /** No ARN, account id, region or key material in any detail. */
    static void assertNoArnOrKey(HealthCheckResponse response) {
        assertThat(response.details().toString()).doesNotContain("arn:", "123456789012", "eu-west-1", KEY);
    }

    /** The readiness answer once the first read has been answered (it runs in the background). */
    private static HealthCheckResponse answered(CursorKeySource source) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HealthCheckResponse response = source.readiness().call();
        while ("not read yet".equals(response.details().get("state")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            response = source.readiness().call();
        }
        return response;
    }

    @Test
    void settingsAreReadFromConfigAndTheArnIsChecked() {
        var config = TestConfig.production(Map.of("api.cursor.arn", ARN, "secretsmanager.retry.max", "PT10S"));
        CursorKeySettings settings = CursorKeySettings.create(config).orElseThrow();
        assertThat(settings)
                .returns(ARN, CursorKeySettings::arn)
                .returns(Optional.empty(), CursorKeySettings::endpoint)
                .returns(Duration.ofSeconds(5), CursorKeySettings::timeout)
                .returns(Duration.ofSeconds(1), CursorKeySettings::retryFirst)
                .returns(Duration.ofSeconds(10), CursorKeySettings::retryMax);
        assertThat(settings.region()).isEqualTo("eu-west-1");
        assertThat(settings.name()).isEqualTo(NAME);
        assertThat(CursorKeySettings.create(TestConfig.production(Map.of()))).isEmpty();
        assertThatThrownBy(() -> CursorKeySettings.create(TestConfig.production(
                Map.of("api.cursor.arn", "arn:aws:iam::123456789012:role/x")))).hasMessageContaining("api.cursor.arn");
    }
}
