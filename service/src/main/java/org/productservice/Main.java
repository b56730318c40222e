package org.productservice;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.helidon.config.Config;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.health.checks.HealthChecks;
import io.helidon.logging.common.LogConfig;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

import org.productservice.dynamodb.DynamoDbClients;
import org.productservice.dynamodb.DynamoDbHealthCheck;
import org.productservice.dynamodb.DynamoDbSettings;
import org.productservice.dynamodb.TableBootstrap;
import org.productservice.http.ErrorHandling;
import org.productservice.http.RequestObserver;
import org.productservice.http.StorageFailures;
import org.productservice.logging.LogFormat;
import org.productservice.product.DynamoDbIdempotencyStore;
import org.productservice.product.DynamoDbProductRepository;
import org.productservice.product.ProductApiSettings;
import org.productservice.product.ProductService;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Starts product-service. Everything is wired here by hand, in one order: config, the DynamoDB
 * client, repositories, HTTP services, then the web server.
 */
public final class Main {
    private static final System.Logger LOGGER = System.getLogger(Main.class.getName());

    private Main() {
    }

    /**
     * Starts the server. Configuration comes from {@code application.yaml}, overridden by the
     * profile file ({@code -Dconfig.profile=local} adds {@code application-local.yaml}), system
     * properties and environment variables.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Config config = Config.create();
        LogFormat.parse(config.get("log.format").asString().orElse("json")).install();

        WebServer server = WebServer.builder()
                .update(builder -> configure(builder, config))
                .build()
                .start();

        String base = "http://localhost:" + server.port();
        LOGGER.log(Level.INFO, () -> String.join(System.lineSeparator(),
                "product-service is up on " + base,
                "  API      " + base + "/products",
                "  docs     " + base + "/docs (OpenAPI: " + base + "/openapi)",
                "  health   " + base + "/observe/health (live, ready, started)",
                "  metrics  " + base + "/observe/metrics"));
    }

    /**
     * Configures a server from configuration: limits, the DynamoDB client and tables, the API,
     * health and metrics. The tests build their servers through this method too.
     *
     * @param server server builder
     * @param config root configuration
     */
    public static void configure(WebServerConfig.Builder server, Config config) {
        ServerLimits limits = ServerLimits.create(config);
        DynamoDbSettings dynamoDb = DynamoDbSettings.create(config.get("dynamodb"));
        ProductApiSettings api = ProductApiSettings.create(config.get("api"));
        MeterRegistry registry = Metrics.globalRegistry();

        DynamoDbClient client = DynamoDbClients.create(dynamoDb, List.of());
        TableBootstrap bootstrap = new TableBootstrap(client, dynamoDb);
        bootstrap.start();

        var products = new DynamoDbProductRepository(client, dynamoDb.productTable(), dynamoDb.nameIndex());
        var idempotency = new DynamoDbIdempotencyStore(client, dynamoDb.idempotencyTable());
        ProductService productService = new ProductService(products, idempotency, api, Clock.systemUTC());
        ErrorHandling errors = new ErrorHandling(new StorageFailures(limits.retryAfter()));

        server.config(config.get("server"));
        limits.apply(server);
        server.addFeature(observe(config.get("observe.endpoint").asString().orElse("/observe"), client, dynamoDb, bootstrap))
                .routing(routing -> routing(routing, new RequestObserver(registry), errors, productService));
    }

    /**
     * The HTTP routes of the API.
     *
     * @param routing        routing builder
     * @param observer       request id, access log and request metrics
     * @param errors         exception-to-problem mapping
     * @param productService the Product API
     */
    static void routing(HttpRouting.Builder routing, RequestObserver observer, ErrorHandling errors,
                        ProductService productService) {
        routing.addFilter(observer);
        errors.register(routing);
        routing.register("/products", productService);
    }

    private static ObserveFeature observe(String endpoint, DynamoDbClient client, DynamoDbSettings dynamoDb,
                                          TableBootstrap bootstrap) {
        var dynamoDbReady = new DynamoDbHealthCheck(client,
                                                    List.of(dynamoDb.productTable(), dynamoDb.idempotencyTable()),
                                                    dynamoDb.healthTimeout());
        HealthObserver health = HealthObserver.builder()
                .details(true)
                .useSystemServices(false)
                .addCheck(HealthChecks.deadlockCheck(), HealthCheckType.LIVENESS)
                .addCheck(dynamoDbReady, HealthCheckType.READINESS)
                .addCheck(() -> HealthCheckResponse.builder()
                                  .status(bootstrap.done())
                                  .detail("tables", bootstrap.done() ? "ready" : "waiting for DynamoDB")
                                  .build(),
                          HealthCheckType.STARTUP, "tables")
                .build();
        return ObserveFeature.builder()
                .endpoint(endpoint)
                .addObserver(health)
                .addObserver(MetricsObserver.create())
                .build();
    }

    /**
     * Limits of the HTTP server ({@code limits.body}, {@code shutdown.grace}, {@code errors.retry.after}).
     *
     * @param bodyBytes     largest request body (the server's default is unlimited)
     * @param shutdownGrace how long in-flight requests may finish after SIGTERM
     * @param retryAfter    Retry-After of 503 answers
     */
    record ServerLimits(long bodyBytes, Duration shutdownGrace, Duration retryAfter) {
        static ServerLimits create(Config config) {
            return new ServerLimits(config.get("limits.body").asLong().orElse(65_536L),
                                    config.get("shutdown.grace").as(Duration.class).orElse(Duration.ofSeconds(20)),
                                    config.get("errors.retry.after").as(Duration.class).orElse(Duration.ofSeconds(1)));
        }

        void apply(WebServerConfig.Builder server) {
            server.maxPayloadSize(bodyBytes)
                    .shutdownGracePeriod(shutdownGrace);
        }
    }
}
