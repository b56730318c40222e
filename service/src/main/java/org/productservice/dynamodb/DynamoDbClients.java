package org.productservice.dynamodb;

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

    private DynamoDbClients() {
    }

    /**
     * Creates the client: the Apache 5 HTTP client with explicit connect/socket timeouts and a
     * bounded pool, the standard retry mode with bounded attempts, and a hard bound on every
     * call (attempt and total). With an endpoint override (local engine) it uses dummy
     * credentials; without one, the SDK's default region and credentials chains (environment,
     * web identity for EKS IRSA, container and instance roles), never static keys.
     *
     * @param settings DynamoDB settings
     * @param metrics  receives the SDK's call metrics and Query/Scan responses
     * @return the client
     */
    public static DynamoDbClient create(DynamoDbSettings settings, DynamoDbMetrics metrics) {
        return create(settings, metrics, List.of());
    }

    /**
     * Creates the client with further interceptors, e.g. the tracing spans of each call.
     *
     * @param settings     DynamoDB settings
     * @param metrics      receives the SDK's call metrics and Query/Scan responses
     * @param interceptors run after the metrics' interceptor, on every call
     * @return the client
     */
    public static DynamoDbClient create(DynamoDbSettings settings, DynamoDbMetrics metrics,
                                        List<ExecutionInterceptor> interceptors) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .httpClientBuilder(Apache5HttpClient.builder()
                                           .connectionTimeout(settings.connectTimeout())
                                           .socketTimeout(settings.socketTimeout())
                                           .connectionAcquisitionTimeout(settings.apiCallTimeout())
                                           .maxConnections(settings.maxConnections()))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                                               .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                                                      .maxAttempts(settings.maxAttempts())
                                                                      .build())
                                               .apiCallAttemptTimeout(settings.apiCallAttemptTimeout())
                                               .apiCallTimeout(settings.apiCallTimeout())
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

    private static List<ExecutionInterceptor> concat(ExecutionInterceptor first, List<ExecutionInterceptor> rest) {
        List<ExecutionInterceptor> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
