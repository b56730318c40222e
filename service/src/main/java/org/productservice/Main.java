package org.productservice;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.helidon.config.Config;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.health.checks.HealthChecks;
import io.helidon.logging.common.LogConfig;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.health.HealthObserverConfig;

import org.productservice.auth.AuthSettings;
import org.productservice.auth.Authentication;
import org.productservice.auth.Principal;
import org.productservice.config.ConfigKeys;
import org.productservice.deadline.DeadlineInterceptor;
import org.productservice.deadline.RequestDeadline;
import org.productservice.docs.ApiDocs;
import org.productservice.dynamodb.DynamoDbClients;
import org.productservice.dynamodb.DynamoDbHealthCheck;
import org.productservice.dynamodb.DynamoDbSettings;
import org.productservice.dynamodb.TableBootstrap;
import org.productservice.http.AsteriskOptions;
import org.productservice.http.ErrorHandling;
import org.productservice.http.RequestObserver;
import org.productservice.http.RouteTemplates;
import org.productservice.http.StorageFailures;
import org.productservice.logging.LogFormat;
import org.productservice.observability.DynamoDbMetrics;
import org.productservice.observability.JvmMetrics;
import org.productservice.product.DynamoDbIdempotencyStore;
import org.productservice.product.DynamoDbProductRepository;
import org.productservice.product.ProductApiSettings;
import org.productservice.product.ProductService;
import org.productservice.secrets.CursorKeySettings;
import org.productservice.secrets.CursorKeySource;
import org.productservice.secrets.SecretsManagerClients;
import org.productservice.server.Listeners;
import org.productservice.server.RawPaths;
import org.productservice.server.ServerProcess;
import org.productservice.server.ServerSettings;
import org.productservice.tracing.Tracing;
import org.productservice.tracing.TracingSettings;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Starts product-service. Everything is wired here by hand, in one order: settings, the
 * DynamoDB client and tables, the repositories, the HTTP services, then the listeners and routes.
 */
public final class Main {
    /** Name of the admin listener (health and metrics). */
    public static final String ADMIN_SOCKET = Listeners.ADMIN_SOCKET;
    private static final System.Logger LOGGER = System.getLogger(Main.class.getName());

    private Main() {
    }

    /**
     * Starts the server. Configuration comes from {@code application.yaml}, overridden by the
     * profile file ({@code -Dconfig.profile=local} adds {@code application-local.yaml}), system
     * properties and environment variables (docs/CONFIGURATION.md).
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        Config config = Config.create();
        // Helidon's own parts (metrics, observers) look the configuration up in its service
        // registry; without this they would load and parse the same files a second time.
        Config.global(config);
        LogFormat.parse(ConfigKeys.string(config.get("log.format"))).install();

        ServerProcess.run(config, builder -> configure(builder, config));
    }

    /**
     * Configures a server from configuration: limits, the DynamoDB client and tables, the API,
     * health and metrics. The tests build their servers through this method too.
     *
     * @param server server builder
     * @param config root configuration
     */
    public static void configure(WebServerConfig.Builder server, Config config) {
        // OpenTelemetry from the standard otel.* keys: on only when an OTLP endpoint is set.
        configure(server, config, Tracing.create(TracingSettings.create(config)));
    }

    /**
     * Configures a server with the given tracing (tests pass one that records spans in memory).
     *
     * @param server  server builder
     * @param config  root configuration
     * @param tracing request and DynamoDB spans, or {@link Tracing#off()}
     */
    public static void configure(WebServerConfig.Builder server, Config config, Tracing tracing) {
        // 1. Settings: every key is read and checked before anything starts.
        ServerSettings serverSettings = ServerSettings.create(config);
        // The connection pool defaults to the request concurrency limit: no request waits for a connection.
        DynamoDbSettings dynamoDb = DynamoDbSettings.create(config.get("dynamodb"), serverSettings.limits().concurrency());
        ProductApiSettings api = ProductApiSettings.create(config.get("api"));
        AuthSettings auth = AuthSettings.create(config.get("auth"));
        Optional<CursorKeySettings> cursorKeySettings = CursorKeySettings.create(config);
        MeterRegistry registry = Metrics.globalRegistry();
        Optional<Authentication> authentication = security(auth, registry);

        // 2. Clients: DynamoDB (tables created in the background where allowed) and Secrets Manager.
        DynamoDbClient client = dynamoDbClient(dynamoDb, registry, tracing);
        TableBootstrap bootstrap = new TableBootstrap(client, dynamoDb);
        bootstrap.start();
        // The cursor key: configured, or read from Secrets Manager in the background (not ready until then).
        Optional<CursorKeySource> cursorKey = cursorKeySettings
                .map(settings -> CursorKeySource.start(SecretsManagerClients.create(settings), settings));

        // 3. Repositories.
        var products = new DynamoDbProductRepository(client, dynamoDb.productTable(), dynamoDb.nameIndex());
        var idempotency = new DynamoDbIdempotencyStore(client, dynamoDb.idempotencyTable());

        // 4. Services.
        Supplier<Optional<String>> cursorSecret = cursorKey.<Supplier<Optional<String>>>map(source -> source)
                .orElse(api::cursorSecret);
        ProductService productService = new ProductService(products, idempotency, api, cursorSecret, Clock.systemUTC());
        Duration retryAfter = serverSettings.limits().retryAfter();
        ErrorHandling errors = new ErrorHandling(new StorageFailures(retryAfter));
        ApiDocs docs = ApiDocs.load(serverSettings.limits().docsConcurrency(), retryAfter);

        // 5. Server: the listeners, health and metrics on the admin one, the API's routes.
        RouteTemplates apiRoutes = RouteTemplates.of(ProductService.ROUTE_TEMPLATES);
        Listeners listeners = new Listeners(serverSettings, registry, apiRoutes);
        listeners.configure(server, config.get("server"));
        listeners.observe(server, health(client, dynamoDb, bootstrap, listeners, authentication, cursorKey));
        server.routing(routing -> {
            List<Filter> transport = Stream.concat(listeners.apiFilters(routing).stream(), Stream.of(
                    new RawPaths(), new AsteriskOptions(), docs.budget(),
                    new RequestDeadline(serverSettings.limits().deadline()))).toList();
            routing(tracing.register(routing), new RequestObserver(registry, Principal::nameOf, apiRoutes), transport,
                    errors, authentication, productService, docs);
        });
    }

    /** Bearer-token authentication of /products when {@code auth.mode} is {@code jwt}; nothing when {@code none}. */
    private static Optional<Authentication> security(AuthSettings auth, MeterRegistry registry) {
        if (auth.mode() == AuthSettings.Mode.NONE) {
            LOGGER.log(Level.WARNING, "auth.mode is none: /products is served without authentication");
            return Optional.empty();
        }
        return Optional.of(Authentication.start(auth, registry));
    }

    /** The one DynamoDB client, measured; the deadline first, so that a call it refuses is never counted as an attempt by the spans. */
    private static DynamoDbClient dynamoDbClient(DynamoDbSettings dynamoDb, MeterRegistry registry, Tracing tracing) {
        JvmMetrics.bind(registry);
        return DynamoDbClients.create(dynamoDb, new DynamoDbMetrics(registry), Stream.concat(
                Stream.of(new DeadlineInterceptor(dynamoDb.apiCallTimeout())), tracing.dynamoDbInterceptors().stream()).toList());
    }

    /**
     * The HTTP routes of the API.
     *
     * @param routing        routing builder
     * @param observer       request id, access log and request metrics
     * @param transport      connection faults, raw-path checks and the request deadline, after the observer so
     *                       that it records their outcome
     * @param errors         exception-to-problem mapping
     * @param authentication bearer-token check in front of the API, if on
     * @param productService the Product API
     * @param docs           OpenAPI document and Swagger UI
     */
    static void routing(HttpRouting.Builder routing, RequestObserver observer, List<Filter> transport,
                        ErrorHandling errors, Optional<Authentication> authentication, ProductService productService,
                        ApiDocs docs) {
        routing.addFilter(observer);
        transport.forEach(routing::addFilter);
        errors.register(routing);
        authentication.ifPresent(auth -> routing.register("/products", auth));
        routing.register("/products", productService);
        docs.register(routing);
    }

    /** Health checks: liveness of the JVM and the API port, readiness of DynamoDB and the keys, startup of the tables. */
    private static HealthObserverConfig.Builder health(DynamoDbClient client, DynamoDbSettings dynamoDb,
                                                       TableBootstrap bootstrap, Listeners listeners,
                                                       Optional<Authentication> authentication,
                                                       Optional<CursorKeySource> cursorKey) {
        var dynamoDbReady = new DynamoDbHealthCheck(client,
                                                    List.of(dynamoDb.productTable(), dynamoDb.idempotencyTable()),
                                                    dynamoDb.healthTimeout());
        HealthObserverConfig.Builder health = HealthObserver.builder()
                .details(true)
                .useSystemServices(false)
                .addCheck(HealthChecks.deadlockCheck(), HealthCheckType.LIVENESS)
                .addCheck(listeners.apiLiveness())
                .addCheck(dynamoDbReady, HealthCheckType.READINESS)
                .addCheck(() -> HealthCheckResponse.builder()
                                  .status(bootstrap.done())
                                  .detail("tables", bootstrap.done() ? "ready" : "waiting for DynamoDB")
                                  .build(),
                          HealthCheckType.STARTUP, "tables");
        authentication.ifPresent(auth -> health.addCheck(auth.readiness()));
        cursorKey.ifPresent(key -> health.addCheck(key.readiness()));
        return health;
    }
}
