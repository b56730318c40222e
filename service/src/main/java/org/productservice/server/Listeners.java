package org.productservice.server;

import java.time.Duration;
import java.util.List;

import io.helidon.common.concurrency.limits.FixedLimit;
import io.helidon.common.socket.SocketOptions;
import io.helidon.config.Config;
import io.helidon.http.DirectHandler;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserverConfig;
import io.helidon.webserver.observe.metrics.MetricsObserver;

import org.productservice.http.AsteriskOptions;
import org.productservice.http.BodilessContentLength;
import org.productservice.http.Refusals;
import org.productservice.http.RouteTemplates;
import org.productservice.http.TransportProblems;

/**
 * The service's two listeners: the API's, with its limits and connection guard, and the admin
 * listener for health and metrics. Routing is the caller's; this sets up everything below it.
 */
public final class Listeners {
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
    /** How long the API port may fail to accept before liveness is DOWN (see ListenerLiveness). */
    private static final Duration LIVENESS_GRACE = Duration.ofSeconds(10);
    /** Largest request body on the admin port (probes and scrapes send none). */
    private static final int ADMIN_MAX_BODY = 1024;

    private final ServerSettings settings;
    private final MeterRegistry registry;
    private final RouteTemplates apiRoutes;
    private final ConnectionGuard apiGuard;
    private final ListenerLiveness apiLiveness;

    /**
     * Prepares the listeners.
     *
     * @param settings  the listeners' settings
     * @param registry  where refusals and connection metrics are recorded
     * @param apiRoutes the API's route templates, the label of requests refused before routing
     */
    public Listeners(ServerSettings settings, MeterRegistry registry, RouteTemplates apiRoutes) {
        this.settings = settings;
        this.registry = registry;
        this.apiRoutes = apiRoutes;
        LimitSettings limits = settings.limits();
        this.apiGuard = new ConnectionGuard(WebServer.DEFAULT_SOCKET_NAME, settings.connections(), limits.bodyBytes(),
                                            limits.concurrency(), registry);
        this.apiLiveness = new ListenerLiveness(settings.host(), Duration.ofSeconds(1), LIVENESS_GRACE);
    }

    /**
     * Sets up the API listener (Helidon's {@code server.*} keys, then the limits) and adds the
     * admin listener.
     *
     * @param server       server builder
     * @param serverConfig the {@code server} config node
     */
    public void configure(WebServerConfig.Builder server, Config serverConfig) {
        server.config(serverConfig);
        api(server);
        Refusals adminRefusals = new Refusals(ADMIN_SOCKET, registry);
        server.putSocket(ADMIN_SOCKET, admin(adminRefusals, directHandlers(adminRefusals, RouteTemplates.none())));
    }

    /**
     * The API's first filters, right after the request observer: the connection guard's request
     * lifecycle and the connection faults, whose error handlers this registers.
     *
     * @param routing the API routing
     * @return the filters, in order
     */
    public List<Filter> apiFilters(HttpRouting.Builder routing) {
        ConnectionFaults faults = new ConnectionFaults(apiGuard, apiLiveness);
        faults.registerErrors(routing);
        return List.of(apiGuard.lifecycle(), faults);
    }

    /**
     * Serves health and metrics on the admin listener, and only there.
     *
     * @param server server builder
     * @param health the health checks
     */
    public void observe(WebServerConfig.Builder server, HealthObserverConfig.Builder health) {
        server.addFeature(ObserveFeature.builder()
                                  .endpoint(settings.admin().endpoint())
                                  .sockets(List.of(ADMIN_SOCKET))
                                  .addObserver(health.build())
                                  .addObserver(MetricsObserver.create())
                                  .build());
    }

    /**
     * The liveness check of the API port.
     *
     * @return the check
     */
    public ListenerLiveness apiLiveness() {
        return apiLiveness;
    }

    private void api(WebServerConfig.Builder server) {
        LimitSettings limits = settings.limits();
        Refusals refusals = new Refusals(WebServer.DEFAULT_SOCKET_NAME, registry);
        Http1Config http1 = Http1Config.builder()
                .maxHeadersSize(limits.headerBytes())
                .maxPrologueLength(MAX_REQUEST_LINE)
                // One listener per direction only: see Http1Listeners for why.
                .addReceiveListener(Http1Listeners.of(apiGuard.receiveListener(), new RequestChecks()))
                .addSendListener(Http1Listeners.of(apiGuard.sendListener(), new HeadResponses(),
                                                   new Http10Responses(), new BodilessContentLength()))
                .build();
        server.maxPayloadSize(limits.bodyBytes())
                // Helidon's own idle handler closes connections waiting for their next request line
                // gracefully; the guard covers every other phase (see ConnectionGuard).
                .idleConnectionTimeout(settings.connections().idle())
                .idleConnectionPeriod(Duration.ofSeconds(1))
                .connectionOptions(apiGuard.socketOptions(SocketOptions.builder()
                                                                  .socketSendBufferSize(SEND_BUFFER_BYTES)
                                                                  .build()))
                // Blocking sockets: one 8 KB read buffer a connection instead of NIO's two 8 KB
                // buffers (read and write), which every idle keep-alive connection would hold.
                .useNio(false)
                .shutdownGracePeriod(limits.shutdownGrace())
                .concurrencyLimit(FixedLimit.builder()
                                          .permits(limits.concurrency())
                                          .queueLength(limits.queue())
                                          .queueTimeout(limits.queueWait())
                                          .build())
                // HTTP/1.1 and 1.0 through the wire checks; any other first line is answered at once.
                .addConnectionSelector(new Http1Wire(http1))
                .addConnectionSelector(new UnparseableRequests(MAX_REQUEST_LINE, refusals))
                .addProtocol(http1)
                // Helidon's messages for the errors it answers before routing (all marked safe to
                // show) reach TransportProblems only with this; it needs them to tell a 431.
                .errorHandling(ErrorHandling.builder().includeEntity(true).build())
                .directHandlers(directHandlers(refusals, apiRoutes));
    }

    /**
     * The admin listener: health and metrics for the probes and Prometheus, on a port of its own
     * that the Service behind the ingress never exposes. Its own small limits mean that no load on
     * the API port (stalled bodies, a full connection cap, a full concurrency limit) can make a
     * probe wait. Probes open a connection a probe, so at its small cap an idle or stalled
     * connection is closed for a new one ({@link ConnectionSettings#admin}): a few clients
     * holding connections open cannot starve it.
     */
    private ListenerConfig admin(Refusals refusals, DirectHandlers transportProblems) {
        AdminSettings admin = settings.admin();
        ConnectionGuard guard = new ConnectionGuard(ADMIN_SOCKET, settings.adminConnections(), ADMIN_MAX_BODY,
                                                    admin.concurrency(), registry);
        Http1Config http1 = Http1Config.builder()
                .maxHeadersSize(8192)
                .maxPrologueLength(MAX_REQUEST_LINE)
                .addReceiveListener(Http1Listeners.of(guard.receiveListener(), new RequestChecks()))
                .addSendListener(Http1Listeners.of(guard.sendListener(), new HeadResponses(), new Http10Responses()))
                .build();
        return ListenerConfig.builder()
                .name(ADMIN_SOCKET)
                .host(admin.host())
                .port(admin.port())
                .maxPayloadSize(ADMIN_MAX_BODY)
                .concurrencyLimit(FixedLimit.builder()
                                          .permits(admin.concurrency())
                                          .queueLength(16)
                                          .queueTimeout(Duration.ofSeconds(1))
                                          .build())
                .idleConnectionTimeout(settings.adminConnections().idle())
                .idleConnectionPeriod(Duration.ofSeconds(1))
                .connectionOptions(guard.socketOptions(SocketOptions.create()))
                .useNio(false)
                .addConnectionSelector(new Http1Wire(http1))
                .addConnectionSelector(new UnparseableRequests(MAX_REQUEST_LINE, refusals))
                .directHandlers(transportProblems)
                .errorHandling(ErrorHandling.builder().includeEntity(true).build())
                .addProtocol(http1)
                .routing(HttpRouting.builder().addFilter(guard.lifecycle()).addFilter(new AsteriskOptions()))
                .build();
    }

    /** Problem+json for every answer a listener gives before routing, each counted as a refusal. */
    private DirectHandlers directHandlers(Refusals refusals, RouteTemplates routes) {
        TransportProblems problems = new TransportProblems(settings.limits().retryAfter().toSeconds(), refusals, routes);
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            handlers.addHandler(type, problems);
        }
        return handlers.build();
    }
}
