package org.productservice.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The direct side's DynamoDB clients: built like the service's (same timeouts, retry strategy
 * and region handling), with a choice of the SDK's synchronous HTTP clients so that the choice
 * can be measured under the same load.
 */
final class DirectClients {
    // The service's defaults (application.yaml), so that both sides fail and retry alike.
    private static final Duration CONNECT = Duration.ofSeconds(1);
    private static final Duration SOCKET = Duration.ofSeconds(2);
    private static final Duration ATTEMPT = Duration.ofMillis(1500);
    private static final Duration CALL = Duration.ofSeconds(3);
    private static final int ATTEMPTS = 3;

    private DirectClients() {
    }

    /** The SDK's synchronous HTTP clients. */
    enum HttpClientKind {
        /** {@code apache5-client}: the service's client. */
        APACHE5,
        /** {@code apache-client}: Apache HttpClient 4.5, the SDK's default. */
        APACHE4,
        /** {@code url-connection-client}: the JDK's HttpURLConnection. */
        URLCONNECTION,
        /** {@code aws-crt-client}: the AWS Common Runtime (native). */
        CRT;

        static HttpClientKind parse(String text) {
            return valueOf(text.trim().toUpperCase(Locale.ROOT).replace("-", ""));
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Creates a client for a local engine.
     *
     * @param endpoint       the engine
     * @param kind           HTTP client
     * @param maxConnections pool size (URLConnection: the JDK's keep-alive cache, see below)
     * @return the client; close it after use
     */
    static DynamoDbClient create(URI endpoint, HttpClientKind kind, int maxConnections) {
        return DynamoDbClient.builder()
                .httpClient(httpClient(kind, maxConnections))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                                               .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                                                      .maxAttempts(ATTEMPTS)
                                                                      .build())
                                               .apiCallAttemptTimeout(ATTEMPT)
                                               .apiCallTimeout(CALL)
                                               .build())
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build();
    }

    private static SdkHttpClient httpClient(HttpClientKind kind, int maxConnections) {
        return switch (kind) {
            case APACHE5 -> Apache5HttpClient.builder()
                    .connectionTimeout(CONNECT)
                    .socketTimeout(SOCKET)
                    .connectionAcquisitionTimeout(CALL)
                    .maxConnections(maxConnections)
                    .build();
            case APACHE4 -> ApacheHttpClient.builder()
                    .connectionTimeout(CONNECT)
                    .socketTimeout(SOCKET)
                    .connectionAcquisitionTimeout(CALL)
                    .maxConnections(maxConnections)
                    .build();
            case URLCONNECTION -> {
                // HttpURLConnection has no pool of its own: the JDK keeps at most
                // http.maxConnections idle connections per host (default 5) and closes the rest,
                // so at 16+ concurrent calls most requests would open a new TCP connection. Raise
                // it to the pool size the other clients get; it is read once, on first use.
                System.setProperty("http.maxConnections", Integer.toString(maxConnections));
                yield UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT)
                        .socketTimeout(SOCKET)
                        .build();
            }
            case CRT -> AwsCrtHttpClient.builder()
                    .connectionTimeout(CONNECT)
                    .connectionAcquisitionTimeout(CALL)
                    .maxConcurrency(maxConnections)
                    .build();
        };
    }
}
