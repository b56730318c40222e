package org.productservice.deadline;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.helidon.config.Config;
import io.helidon.webserver.WebServerConfig;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.productservice.Main;
import org.productservice.testing.TestEngine;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The deadline's part in each DynamoDB call, against a loopback HTTP endpoint that counts the
 * calls it receives and answers them after a chosen delay (an empty GetItem answer).
 */
class DeadlineInterceptorTest {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(1);

    private final AtomicInteger received = new AtomicInteger();
    private volatile Duration answerDelay = Duration.ZERO;
    private HttpServer endpoint;
    private DynamoDbClient client;

    @BeforeEach
    void startEndpoint() throws IOException {
        endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        endpoint.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        endpoint.createContext("/", exchange -> {
            received.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(answerDelay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            } catch (IOException clientGaveUp) {
                // The SDK closed the connection at its timeout.
            }
        });
        endpoint.start();
        // One attempt of up to the whole call timeout: what is measured below is the call's bound.
        client = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(Apache5HttpClient.builder())
                .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT)
                        .retryStrategy(r -> r.maxAttempts(1))
                        .addExecutionInterceptor(new DeadlineInterceptor(CALL_TIMEOUT)))
                .build();
    }

    @AfterEach
    void stopEndpoint() {
        client.close();
        endpoint.stop(0);
    }

    private void getItem() {
        client.getItem(b -> b.tableName("t").key(Map.of("id", AttributeValue.fromS("x"))));
    }

    @Test
    void aCallGetsOnlyTheTimeItsRequestHasLeft() {
        answerDelay = Duration.ofSeconds(3);
        RequestDeadline.Budget budget = new RequestDeadline.Budget(Duration.ofMillis(300).toNanos());
        long start = System.nanoTime();
        RequestDeadline.within(budget, () -> assertThatThrownBy(this::getItem).isInstanceOf(ApiCallTimeoutException.class));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertThat(elapsed).isBetween(Duration.ofMillis(300), Duration.ofMillis(800));
        assertThat(budget.passed()).isTrue();
        assertThat(received).hasValue(1);
    }

    @Test
    void aCallWithNothingLeftIsRefusedBeforeAnythingIsSent() {
        RequestDeadline.Budget budget = new RequestDeadline.Budget(Duration.ofMillis(50).toNanos());
        RequestDeadline.within(budget, () -> {
            getItem();
            assertThat(received).as("the first call, in time").hasValue(1);
            sleep(Duration.ofMillis(80));
            assertThatThrownBy(this::getItem)
                    .isInstanceOf(ApiCallTimeoutException.class)
                    .hasMessageStartingWith("The request deadline passed before DynamoDB GetItem could be sent");
        });
        assertThat(received).as("nothing sent after the deadline").hasValue(1);
    }

    @Test
    void theClockStartsAtTheFirstCallNotWhenTheRequestArrived() {
        RequestDeadline.Budget budget = new RequestDeadline.Budget(Duration.ofMillis(300).toNanos());
        RequestDeadline.within(budget, () -> {
            // A slow body upload has its own limit and must not eat the storage time.
            sleep(Duration.ofMillis(400));
            assertThat(budget.passed()).isFalse();
            getItem();
        });
        assertThat(received).hasValue(1);
    }

    @Test
    void callsOutsideARequestKeepTheClientTimeoutAndNoBudgetOutlivesItsRequest() {
        RequestDeadline.Budget budget = new RequestDeadline.Budget(Duration.ofMillis(10).toNanos());
        assertThatThrownBy(() -> RequestDeadline.within(budget, () -> {
            budget.remaining();
            throw new IllegalStateException("handler failed");
        })).hasMessage("handler failed");
        sleep(Duration.ofMillis(20));
        assertThat(RequestDeadline.current()).isEmpty();

        answerDelay = Duration.ofMillis(600);
        long start = System.nanoTime();
        getItem();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));

        answerDelay = Duration.ofSeconds(3);
        start = System.nanoTime();
        assertThatThrownBy(this::getItem).isInstanceOf(SdkClientException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(CALL_TIMEOUT, CALL_TIMEOUT.plusMillis(500));
    }

    @Test
    void aDeadlineThatIsNotPositiveStopsTheStart() {
        Config config = TestEngine.config(TestEngine.get().endpoint(), Map.of("limits.deadline", "PT0S"));
        assertThatThrownBy(() -> Main.configure(WebServerConfig.builder(), config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limits.deadline (LIMITS_DEADLINE) must be positive");
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
