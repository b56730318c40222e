package org.productservice.dynamodb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.productservice.observability.DynamoDbMetrics;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/** Builds the one DynamoDB client of the process. */
public final class DynamoDbClients {
    // Any region works for a local engine; credentials only need to be well-formed.
    private static final Region LOCAL_REGION = Region.US_EAST_1;
    // Stateless: each write call carries its own record of attempts.
    private static final WriteAttempts.Recorder WRITE_ATTEMPTS = new WriteAttempts.Recorder();
    // One timer for the process's clients; 10 ms is the most a timeout of a second or more fires late.
    private static final TimeoutTimer TIMEOUTS = new TimeoutTimer(Duration.ofMillis(10));

    private DynamoDbClients() {
    }

    /**
     * Creates the client: the Apache 5 HTTP client with explicit connect/socket timeouts and a
     * bounded pool, the standard retry mode with bounded attempts, and a hard bound on every
     * call (attempt and total), kept by a {@link TimeoutTimer}. With an endpoint override (local engine) it uses dummy
     * credentials; without one, the SDK's default region and credentials chains (environment,
     * web identity for EKS IRSA, container and instance roles), never static keys.
     *
     * @param settings DynamoDB settings
     * @param metrics  times every call and counts its attempts, retries and Query/Scan items (an interceptor, not a MetricPublisher)
     * @return the client
     */
    public static DynamoDbClient create(DynamoDbSettings settings, DynamoDbMetrics metrics) {
        return create(settings, metrics, List.of());
    }

    /**
     * Creates the client with further interceptors, e.g. the tracing spans of each call.
     *
     * @param settings     DynamoDB settings
     * @param metrics      times every call and counts its attempts, retries and Query/Scan items (an interceptor, not a MetricPublisher)
     * @param interceptors run after the metrics' interceptor, on every call; the {@link WriteAttempts} recorder runs last
     * @return the client
     */
    public static DynamoDbClient create(DynamoDbSettings settings, DynamoDbMetrics metrics,
                                        List<ExecutionInterceptor> interceptors) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .httpClientBuilder(Apache5HttpClient.builder()
                                           .connectionTimeout(settings.connectTimeout())
                                           .socketTimeout(readTimeout(settings))
                                           .connectionAcquisitionTimeout(settings.apiCallTimeout())
                                           .maxConnections(settings.maxConnections()))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                                               .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                                                      .maxAttempts(settings.maxAttempts())
                                                                      .build())
                                               .apiCallAttemptTimeout(settings.apiCallAttemptTimeout())
                                               .apiCallTimeout(settings.apiCallTimeout())
                                               .scheduledExecutorService(TIMEOUTS)
                                               .executionInterceptors(concat(metrics, interceptors))
                                               .build());
        if (settings.endpoint().isPresent()) {
            builder.endpointOverride(settings.endpoint().get())
                    .region(settings.region().map(Region::of).orElse(LOCAL_REGION))
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")));
        } else {
            builder.region(settings.region().map(Region::of).orElseGet(() -> DefaultAwsRegionProviderChain.builder().build().getRegion()))
                    .credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        return builder.build();
    }

    /**
     * The socket's read timeout: {@code dynamodb.timeout.socket} when it is shorter than the attempt
     * timeout, otherwise none, since the attempt timeout already ends any read that outlasts it.
     * A socket read timeout is not free on a virtual thread: every read arms and cancels a timer in
     * the JDK's scheduler (4 % of the CPU of a GET, docs/PERFORMANCE.md decision 10).
     */
    static Duration readTimeout(DynamoDbSettings settings) {
        return settings.socketTimeout().compareTo(settings.apiCallAttemptTimeout()) < 0 ? settings.socketTimeout() : Duration.ZERO;
    }

    private static List<ExecutionInterceptor> concat(ExecutionInterceptor first, List<ExecutionInterceptor> rest) {
        List<ExecutionInterceptor> all = new ArrayList<>(rest.size() + 2);
        all.add(first);
        all.addAll(rest);
        // Last: an attempt that an earlier interceptor refuses before it is sent is never counted as sent.
        all.add(WRITE_ATTEMPTS);
        return all;
    }
}
