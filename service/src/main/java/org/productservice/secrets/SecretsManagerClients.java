package org.productservice.secrets;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;

/** Builds the Secrets Manager client that reads the cursor key. */
public final class SecretsManagerClients {
    private SecretsManagerClients() {
    }

    /**
     * Creates the client: the Apache 5 HTTP client (as for DynamoDB; one connection is all a
     * single read at start needs), the secret's own region, the SDK's default credentials chain
     * (IRSA, Pod Identity, environment), bounded attempts and a bounded call.
     *
     * @param settings where the secret is
     * @return the client
     */
    public static SecretsManagerClient create(CursorKeySettings settings) {
        SecretsManagerClientBuilder builder = SecretsManagerClient.builder()
                .httpClientBuilder(Apache5HttpClient.builder()
                                           .maxConnections(1)
                                           .connectionTimeout(settings.timeout())
                                           .socketTimeout(settings.timeout()))
                .region(Region.of(settings.region()))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                                               .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                                                      .maxAttempts(3)
                                                                      .build())
                                               .apiCallTimeout(settings.timeout())
                                               .build());
        settings.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
