package org.productservice;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.helidon.common.concurrency.limits.FixedLimit;
import io.helidon.common.socket.SocketOptions;
import io.helidon.config.Config;
import io.helidon.http.DirectHandler;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.health.checks.HealthChecks;
import io.helidon.logging.common.LogConfig;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.health.HealthObserverConfig;
import io.helidon.webserver.observe.metrics.MetricsObserver;

import org.productservice.auth.AuthSettings;
import org.productservice.auth.Authentication;
import org.productservice.auth.Principal;
import org.productservice.deadline.DeadlineInterceptor;
import org.productservice.deadline.RequestDeadline;
import org.productservice.docs.ApiDocs;
import org.productservice.dynamodb.DynamoDbClients;
import org.productservice.dynamodb.DynamoDbHealthCheck;
import org.productservice.dynamodb.DynamoDbSettings;
import org.productservice.dynamodb.TableBootstrap;
import org.productservice.http.BodilessContentLength;
import org.productservice.http.AsteriskOptions;
import org.productservice.http.ErrorHandling;
import org.productservice.http.Refusals;
import org.productservice.http.RequestObserver;
import org.productservice.http.RouteTemplates;
import org.productservice.http.StorageFailures;
import org.productservice.http.TransportProblems;
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
import org.productservice.tracing.Tracing;
import org.productservice.tracing.TracingSettings;
import org.productservice.server.ConnectionFaults;
import org.productservice.server.ConnectionGuard;
import org.productservice.server.ConnectionSettings;
import org.productservice.server.HeadResponses;
import org.productservice.server.Http10Responses;
import org.productservice.server.Http1Listeners;
import org.productservice.server.Http1Wire;
import org.productservice.server.ListenerLiveness;
import org.productservice.server.RawPaths;
import org.productservice.server.RequestChecks;
import org.productservice.server.TakenPorts;
import org.productservice.server.UnparseableRequests;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Starts product-service. Everything is wired here by hand, in one order: config, the DynamoDB
 * client, repositories, HTTP services, then the web server.
 */
public final class Main {
    /** Name of the admin listener (health and metrics). */
    public static final String ADMIN_SOCKET = "admin";
    /** Longest request line (method, target, version); longer ones get 414. */
    private static final int MAX_REQUEST_LINE = 4096;
    /**
     * Send buffer of an API connection. A write returns once the kernel holds the bytes; Linux
     * grows an unset buffer up to 4 MiB, so a whole answer (the 1.7 MB Swagger UI bundle) went
     * into it at once and a client reading it for 30 s was logged as served in milliseconds. With
     * a bounded buffer the last write returns when the client has taken all but about twice this
     * (plus its own receive buffer): the access log and the request timer measure the delivery.
     */
    private static final int SEND_BUFFER_BYTES = 64 * 1024;
    /** Largest request body on the admin port (probes and scrapes send none). */
    private static final int ADMIN_MAX_BODY = 1024;
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
        // Helidon's own parts (metrics, observers) look the configuration up in its service
        // registry; without this they would load and parse the same files a second time.
        Config.global(config);
        LogFormat.parse(config.get("log.format").asString().orElse("json")).install();

        Optional<String> takenPort = TakenPorts.first(config);
        if (takenPort.isPresent()) {
            System.err.println(takenPort.get());
            System.exit(1);
            return;
        }

        WebServer server;
        try {
            server = WebServer.builder()
                    .update(builder -> configure(builder, config))
                    .build()
                    .start();
        } catch (IllegalArgumentException missingOrInvalidSetting) {
            // Settings are checked before anything starts; the message names the key and its variable.
            LOGGER.log(Level.ERROR, "product-service cannot start: " + missingOrInvalidSetting.getMessage());
            System.exit(2);
            return;
        }
        if (!server.isRunning()) {
            // Taken between the check above and the bind: Helidon logs the failed bind and returns a
            // stopped server; the process must not exit 0.
            System.err.println(TakenPorts.first(config)
                                       .orElse("product-service could not listen on its ports (server.port "
                                               + config.get("server.port").asString().orElse("?") + ", admin.port "
                                               + config.get("admin.port").asString().orElse("?") + ")"));
            System.exit(1);
        }

        exitZeroAfterGracefulStop(server, config.get("shutdown.grace").as(Duration.class).orElse(Duration.ofSeconds(20)));

        String base = "http://localhost:" + server.port();
        String admin = "http://localhost:" + server.port(ADMIN_SOCKET);
        // One record per line: the log formats escape line breaks inside a message (log injection).
        List.of("product-service is up on " + base,
                "  API      " + base + "/products",
                "  docs     " + base + "/docs (OpenAPI: " + base + "/openapi)",
                "  health   " + admin + "/observe/health (live, ready, started)",
                "  metrics  " + admin + "/observe/metrics")
                .forEach(line -> LOGGER.log(Level.INFO, line));
    }

    /**
     * SIGTERM (Kubernetes, docker stop) and Ctrl-C are the normal way to stop. Helidon's own
     * shutdown hook already stops accepting and lets in-flight requests finish (up to
     * shutdown.grace); but a JVM ended by a signal exits 143 (130), which orchestrators report as
     * a failure. This hook waits for that graceful stop, then ends the process with 0.
     */
    private static void exitZeroAfterGracefulStop(WebServer server, Duration grace) {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("exit-zero").unstarted(() -> {
            long deadline = System.nanoTime() + grace.plusSeconds(5).toNanos();
            while (server.isRunning() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
            LOGGER.log(Level.INFO, "product-service stopped");
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }));
    }

    /**
     * Configures a server from configuration: limits, the DynamoDB client and tables, the API,
     * health and metrics. The tests build their servers through this method too.
     *
     * @param server server builder
     * @param config root configuration
     */
    public static void configure(WebServerConfig.Builder server, Config config) {
        configure(server, config, telemetry(config));
    }

    /**
     * Configures a server with the given tracing (tests pass one that records spans in memory).
     *
     * @param server  server builder
     * @param config  root configuration
     * @param tracing request and DynamoDB spans, or {@link Tracing#off()}
     */
    public static void configure(WebServerConfig.Builder server, Config config, Tracing tracing) {
        ServerLimits limits = ServerLimits.create(config);
        ConnectionSettings apiConnections = ConnectionSettings.api(config);
        ConnectionSettings adminConnections = ConnectionSettings.admin(config);
        ConnectionSettings.checkFileDescriptors(apiConnections, adminConnections);
        // The connection pool defaults to the request concurrency limit: no request waits for a connection.
        DynamoDbSettings dynamoDb = DynamoDbSettings.create(config.get("dynamodb"), limits.concurrency());
        ProductApiSettings api = ProductApiSettings.create(config.get("api"));
        AuthSettings auth = AuthSettings.create(config.get("auth"));
        MeterRegistry registry = Metrics.globalRegistry();
        Optional<Authentication> authentication = security(auth, registry);

        JvmMetrics.bind(registry);
        DynamoDbMetrics dynamoDbMetrics = new DynamoDbMetrics(registry);
        // The deadline first: a call it refuses is never counted as an attempt by the spans.
        DynamoDbClient client = DynamoDbClients.create(dynamoDb, dynamoDbMetrics, Stream.concat(
                Stream.of(new DeadlineInterceptor(dynamoDb.apiCallTimeout())), tracing.dynamoDbInterceptors().stream()).toList());
        TableBootstrap bootstrap = new TableBootstrap(client, dynamoDb);
        bootstrap.start();
        Optional<CursorKeySource> cursorKey = cursorKey(config);

        var products = new DynamoDbProductRepository(client, dynamoDb.productTable(), dynamoDb.nameIndex());
        var idempotency = new DynamoDbIdempotencyStore(client, dynamoDb.idempotencyTable());
        // The cursor key: configured, or read from Secrets Manager in the background (not ready until then).
        Supplier<Optional<String>> cursorSecret = cursorKey.<Supplier<Optional<String>>>map(source -> source)
                .orElse(api::cursorSecret);
        ProductService productService = new ProductService(products, idempotency, api, cursorSecret, Clock.systemUTC());
        ErrorHandling errors = new ErrorHandling(new StorageFailures(limits.retryAfter()));
        ApiDocs docs = ApiDocs.load(config.get("docs.concurrency").asInt().orElse(4), limits.retryAfter());

        server.config(config.get("server"));
        String host = config.get("server.host").asString().orElse("0.0.0.0");
        ConnectionGuard apiGuard = new ConnectionGuard(WebServer.DEFAULT_SOCKET_NAME, apiConnections, limits.bodyBytes(),
                                                       limits.concurrency(), registry);
        ListenerLiveness apiLiveness = new ListenerLiveness(host, Duration.ofSeconds(1));
        RouteTemplates apiRoutes = RouteTemplates.of(ProductService.ROUTE_TEMPLATES);
        limits.apply(server, apiGuard, apiConnections, registry, apiRoutes);
        Refusals adminRefusals = new Refusals(ADMIN_SOCKET, registry);
        int adminConcurrency = config.get("admin.concurrency").asInt().orElse(4);
        server.putSocket(ADMIN_SOCKET, admin(config, host, adminConnections, adminConcurrency,
                                             new ConnectionGuard(ADMIN_SOCKET, adminConnections, ADMIN_MAX_BODY,
                                                                 adminConcurrency, registry),
                                             adminRefusals, limits.directHandlers(adminRefusals, RouteTemplates.none())));
        server.addFeature(observe(config.get("observe.endpoint").asString().orElse("/observe"), client, dynamoDb, bootstrap,
                                  apiLiveness, authentication, cursorKey))
                .routing(routing -> {
                    ConnectionFaults faults = new ConnectionFaults(apiGuard, apiLiveness);
                    routing(tracing.register(routing), new RequestObserver(registry, Principal::nameOf, apiRoutes),
                            List.of(apiGuard.lifecycle(), faults, new RawPaths(), new AsteriskOptions(), docs.budget(),
                                    new RequestDeadline(limits.deadline())),
                            errors, authentication, productService, docs);
                    faults.registerErrors(routing);
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

    /**
     * The admin listener ({@code admin.*}): health and metrics for the probes and Prometheus, on a
     * port of its own that the Service behind the ingress never exposes. Its own small limits
     * mean that no load on the API port (stalled bodies, a full connection cap, a full
     * concurrency limit) can make a probe wait. Probes open a connection a probe, so at its
     * small cap an idle or stalled connection is closed for a new one ({@link ConnectionSettings#admin}):
     * a few clients holding connections open cannot starve it.
     */
    private static ListenerConfig admin(Config config, String host, ConnectionSettings settings, int concurrency,
                                        ConnectionGuard guard, Refusals refusals, DirectHandlers transportProblems) {
        Http1Config http1 = Http1Config.builder()
                .maxHeadersSize(8192)
                .maxPrologueLength(MAX_REQUEST_LINE)
                .addReceiveListener(Http1Listeners.of(guard.receiveListener(), new RequestChecks()))
                .addSendListener(Http1Listeners.of(guard.sendListener(), new HeadResponses(), new Http10Responses()))
                .build();
        return ListenerConfig.builder()
                .name(ADMIN_SOCKET)
                .host(config.get("admin.host").asString().orElse(host))
                .port(config.get("admin.port").asInt().orElse(9080))
                .maxPayloadSize(ADMIN_MAX_BODY)
                .concurrencyLimit(FixedLimit.builder()
                                          .permits(concurrency)
                                          .queueLength(16)
                                          .queueTimeout(Duration.ofSeconds(1))
                                          .build())
                .idleConnectionTimeout(settings.idle())
                .idleConnectionPeriod(Duration.ofSeconds(1))
                .connectionOptions(guard.socketOptions(SocketOptions.create()))
                .useNio(false)
                .addConnectionSelector(new Http1Wire(http1))
                .addConnectionSelector(new UnparseableRequests(MAX_REQUEST_LINE, refusals))
                .directHandlers(transportProblems)
                .errorHandling(io.helidon.webserver.ErrorHandling.builder().includeEntity(true).build())
                .addProtocol(http1)
                .routing(HttpRouting.builder().addFilter(guard.lifecycle()).addFilter(new AsteriskOptions()))
                .build();
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

    /**
     * The cursor signing key from AWS Secrets Manager, when {@code api.cursor.arn} is set: read in
     * the background and retried; the pod is not ready until it is read.
     *
     * @param config root configuration
     * @return the key's source, or empty when the key comes from {@code api.cursor.secret}
     */
    static Optional<CursorKeySource> cursorKey(Config config) {
        return CursorKeySettings.create(config)
                .map(settings -> CursorKeySource.start(SecretsManagerClients.create(settings), settings));
    }

    /**
     * OpenTelemetry tracing from the standard {@code otel.*} keys ({@code OTEL_*} variables): on
     * only when an OTLP endpoint is set, otherwise nothing is registered at all.
     */
    private static Tracing telemetry(Config config) {
        return Tracing.create(TracingSettings.create(config));
    }

    private static ObserveFeature observe(String endpoint, DynamoDbClient client, DynamoDbSettings dynamoDb,
                                          TableBootstrap bootstrap, ListenerLiveness apiLiveness,
                                          Optional<Authentication> authentication, Optional<CursorKeySource> cursorKey) {
        var dynamoDbReady = new DynamoDbHealthCheck(client,
                                                    List.of(dynamoDb.productTable(), dynamoDb.idempotencyTable()),
                                                    dynamoDb.healthTimeout());
        HealthObserverConfig.Builder health = HealthObserver.builder()
                .details(true)
                .useSystemServices(false)
                .addCheck(HealthChecks.deadlockCheck(), HealthCheckType.LIVENESS)
                .addCheck(apiLiveness)
                .addCheck(dynamoDbReady, HealthCheckType.READINESS)
                .addCheck(() -> HealthCheckResponse.builder()
                                  .status(bootstrap.done())
                                  .detail("tables", bootstrap.done() ? "ready" : "waiting for DynamoDB")
                                  .build(),
                          HealthCheckType.STARTUP, "tables");
        authentication.ifPresent(auth -> health.addCheck(auth.readiness()));
        cursorKey.ifPresent(key -> health.addCheck(key.readiness()));
        return ObserveFeature.builder()
                .endpoint(endpoint)
                .sockets(List.of(ADMIN_SOCKET))
                .addObserver(health.build())
                .addObserver(MetricsObserver.create())
                .build();
    }

    /**
     * Limits of the HTTP server ({@code limits.*}, {@code shutdown.grace}, {@code errors.retry.after}).
     *
     * @param bodyBytes     largest request body (the server's default is unlimited)
     * @param headerBytes   largest request header block
     * @param concurrency   requests served at once
     * @param queue         requests that may wait for a slot; beyond that, an immediate 503
     * @param queueWait     longest wait for a slot before a 503
     * @param shutdownGrace how long in-flight requests may finish after SIGTERM
     * @param retryAfter    Retry-After of 503 answers
     * @param deadline      time all the DynamoDB calls of one request may take together
     */
    record ServerLimits(long bodyBytes, int headerBytes, int concurrency, int queue, Duration queueWait,
                        Duration shutdownGrace, Duration retryAfter, Duration deadline) {
        static ServerLimits create(Config config) {
            ServerLimits limits = new ServerLimits(
                    config.get("limits.body").asLong().orElse(65_536L),
                    config.get("limits.headers").asInt().orElse(16_384),
                    config.get("limits.concurrency").asInt().orElse(128),
                    config.get("limits.queue").asInt().orElse(128),
                    config.get("limits.wait").as(Duration.class).orElse(Duration.ofMillis(500)),
                    config.get("shutdown.grace").as(Duration.class).orElse(Duration.ofSeconds(20)),
                    config.get("errors.retry.after").as(Duration.class).orElse(Duration.ofSeconds(1)),
                    config.get("limits.deadline").as(Duration.class).orElse(Duration.ofSeconds(5)));
            if (limits.bodyBytes < 1 || limits.headerBytes < 1024 || limits.concurrency < 1 || limits.queue < 0) {
                throw new IllegalArgumentException("limits.body and limits.concurrency must be positive, limits.headers "
                                                           + "at least 1024 and limits.queue not negative");
            }
            if (limits.deadline.isNegative() || limits.deadline.isZero()) {
                throw new IllegalArgumentException("limits.deadline (LIMITS_DEADLINE) must be positive");
            }
            return limits;
        }

        void apply(WebServerConfig.Builder server, ConnectionGuard guard, ConnectionSettings connections,
                   MeterRegistry registry, RouteTemplates routes) {
            Refusals refusals = new Refusals(WebServer.DEFAULT_SOCKET_NAME, registry);
            Http1Config http1 = Http1Config.builder()
                    .maxHeadersSize(headerBytes)
                    .maxPrologueLength(MAX_REQUEST_LINE)
                    // One listener per direction only: see Http1Listeners for why.
                    .addReceiveListener(Http1Listeners.of(guard.receiveListener(), new RequestChecks()))
                    .addSendListener(Http1Listeners.of(guard.sendListener(), new HeadResponses(),
                                                       new Http10Responses(), new BodilessContentLength()))
                    .build();
            server.maxPayloadSize(bodyBytes)
                    // Helidon's own idle handler closes connections waiting for their next request line
                    // gracefully; the guard covers every other phase (see ConnectionGuard).
                    .idleConnectionTimeout(connections.idle())
                    .idleConnectionPeriod(Duration.ofSeconds(1))
                    .connectionOptions(guard.socketOptions(SocketOptions.builder()
                                                                   .socketSendBufferSize(SEND_BUFFER_BYTES)
                                                                   .build()))
                    // Blocking sockets: one 8 KB read buffer a connection instead of NIO's two 8 KB
                    // buffers (read and write), which every idle keep-alive connection would hold.
                    .useNio(false)
                    .shutdownGracePeriod(shutdownGrace)
                    .concurrencyLimit(FixedLimit.builder()
                                              .permits(concurrency)
                                              .queueLength(queue)
                                              .queueTimeout(queueWait)
                                              .build())
                    // HTTP/1.1 and 1.0 through the wire checks; any other first line is answered at once.
                    .addConnectionSelector(new Http1Wire(http1))
                    .addConnectionSelector(new UnparseableRequests(MAX_REQUEST_LINE, refusals))
                    .addProtocol(http1)
                    // Helidon's messages for the errors it answers before routing (all marked safe to
                    // show) reach TransportProblems only with this; it needs them to tell a 431.
                    .errorHandling(io.helidon.webserver.ErrorHandling.builder().includeEntity(true).build())
                    .directHandlers(directHandlers(refusals, routes));
        }

        /** Problem+json for every answer a listener gives before routing, each counted as a refusal. */
        DirectHandlers directHandlers(Refusals refusals, RouteTemplates routes) {
            TransportProblems problems = new TransportProblems(retryAfter.toSeconds(), refusals, routes);
            DirectHandlers.Builder handlers = DirectHandlers.builder();
            for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
                handlers.addHandler(type, problems);
            }
            return handlers.build();
        }
    }
}
