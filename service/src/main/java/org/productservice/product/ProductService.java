package org.productservice.product;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;

import io.helidon.common.uri.UriQuery;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import org.productservice.http.ProblemException;
import org.productservice.product.ProductJson.ProductInput;
import org.productservice.product.ProductRepository.PageKey;
import org.productservice.product.ProductRepository.ProductChanges;
import org.productservice.product.ProductRepository.ProductPage;

/**
 * The Product REST API, mounted at {@code /products}.
 *
 * <pre>
 * curl -i -X POST localhost:8080/products -H 'Content-Type: application/json' \
 *      -d '{"name": "Book", "description": "Another paper thing"}'
 * curl -i localhost:8080/products/{id}
 * </pre>
 *
 * <p>Writes are conditional on the product's version (If-Match / ETag); creates can be made
 * idempotent with an Idempotency-Key header, which is scoped to the caller (the authenticated
 * principal); lists page with opaque cursors.
 */
public final class ProductService implements HttpService {
    private static final HeaderName IDEMPOTENT_REPLAYED = HeaderNames.create("Idempotent-Replayed");
    private static final HeaderName ACCEPT_POST = HeaderNames.create("Accept-Post");
    private static final HeaderName ACCEPT_PATCH = HeaderNames.create("Accept-Patch");
    private static final String JSON = "application/json";
    private static final String MERGE_PATCH = "application/merge-patch+json";
    private static final Set<String> LIST_PARAMETERS = Set.of("name", "order", "limit", "cursor");

    private final ProductRepository repository;
    private final IdempotentCreate creates;
    private final ProductApiSettings settings;
    private final Cursors cursors;
    private final ProductJson json = new ProductJson();
    private final Clock clock;

    /**
     * Creates the service.
     *
     * @param repository  product storage
     * @param idempotency idempotency-key storage
     * @param settings    API limits
     * @param cursorKey   the cursors' MAC key: {@code settings.cursorSecret()}, or the key read from
     *                    Secrets Manager (empty until it has been read)
     * @param clock       source of timestamps
     */
    public ProductService(ProductRepository repository,
                          IdempotencyStore idempotency,
                          ProductApiSettings settings,
                          Supplier<Optional<String>> cursorKey,
                          Clock clock) {
        this.repository = repository;
        this.creates = new IdempotentCreate(repository, idempotency, settings.idempotencyTtl());
        this.settings = settings;
        this.cursors = new Cursors(cursorKey, settings.cursorPrevious());
        this.clock = clock;
    }

    /**
     * The route templates of this service as mounted at {@code /products}: the route of a request
     * refused before its route matched (by authentication) is named from these.
     */
    public static final List<String> ROUTE_TEMPLATES = List.of("/products", "/products/{id}");

    @Override
    public void routing(HttpRules rules) {
        // HEAD answers as GET does; the connection's send listener drops the body (server.HeadResponses).
        rules.get("/", this::list)
                .head("/", this::list)
                .post("/", this::create)
                .any("/", methodNotAllowed("GET, HEAD, POST"))
                .get("/{id}", this::get)
                .head("/{id}", this::get)
                .put("/{id}", this::replace)
                .patch("/{id}", this::patch)
                .delete("/{id}", this::delete)
                .any("/{id}", methodNotAllowed("GET, HEAD, PUT, PATCH, DELETE"));
    }

    private void create(ServerRequest req, ServerResponse res) {
        ProductInput input = json.parseInput(ProductRequests.body(req, JSON, ACCEPT_POST));
        IdempotentCreate.Created created = creates.create(ProductRequests.idempotencyKey(req), input, now());
        res.header(HeaderNames.LOCATION, "/products/" + created.product().id());
        if (created.replayed()) {
            res.header(IDEMPOTENT_REPLAYED, "true");
        }
        sendProduct(res, Status.CREATED_201, created.product());
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = ProductRequests.productId(req);
        Product product = repository.find(id).orElseThrow(() -> new ProductNotFoundException(id));
        if (Preconditions.notModified(req, product)) {
            res.header(HeaderNames.ETAG, product.etag());
            noStore(res);
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        sendProduct(res, Status.OK_200, product);
    }

    private void replace(ServerRequest req, ServerResponse res) {
        String id = ProductRequests.productId(req);
        ProductInput input = json.parseInput(ProductRequests.body(req, JSON, null));
        OptionalLong expected = Preconditions.ifMatch(req);
        Product product = repository.update(id, new ProductChanges(input.values()), expected, now());
        sendProduct(res, Status.OK_200, product);
    }

    private void patch(ServerRequest req, ServerResponse res) {
        String id = ProductRequests.productId(req);
        ProductChanges changes = json.parsePatch(ProductRequests.body(req, MERGE_PATCH, ACCEPT_PATCH));
        OptionalLong expected = Preconditions.ifMatch(req);
        Product product;
        if (changes.isEmpty()) {
            // An empty merge patch changes nothing: answer with the product as it is.
            product = repository.find(id).orElseThrow(() -> new ProductNotFoundException(id));
            Preconditions.requireVersion(expected, product);
        } else {
            product = repository.update(id, changes, expected, now());
        }
        sendProduct(res, Status.OK_200, product);
    }

    private void delete(ServerRequest req, ServerResponse res) {
        String id = ProductRequests.productId(req);
        repository.delete(id, Preconditions.ifMatch(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void list(ServerRequest req, ServerResponse res) {
        UriQuery query = req.query();
        for (String parameter : query.names()) {
            if (!LIST_PARAMETERS.contains(parameter)) {
                throw ProblemException.badRequest(parameter, "unknown query parameter; allowed are name, order, limit and cursor");
            }
            if (query.all(parameter).size() > 1) {
                throw ProblemException.badRequest(parameter, "must be given at most once");
            }
        }
        int limit = limit(query);
        Optional<String> name = query.first("name").asOptional().map(value -> json.queryValue("name", ProductField.NAME, value));
        Optional<String> order = query.first("order").asOptional();
        if (order.isPresent() && !order.get().equals("asc") && !order.get().equals("desc")) {
            throw ProblemException.badRequest("order", "must be asc or desc");
        }
        if (order.isPresent() && name.isEmpty()) {
            throw ProblemException.badRequest("order", "applies to queries by name only; the list of all products has no order");
        }
        boolean newestFirst = !order.orElse("desc").equals("asc");
        String scope = name.map(n -> Cursors.nameScope(n, newestFirst)).orElseGet(Cursors::allScope);
        Optional<PageKey> after = query.first("cursor").asOptional()
                .map(cursor -> cursors.decode(scope, name.orElse(null), cursor));
        ProductPage page = name.isPresent()
                ? repository.findByName(name.get(), newestFirst, after, limit)
                : repository.findAll(after, limit);
        Optional<String> next = page.hasMore()
                ? Optional.of(cursors.encode(scope, page.items().getLast()))
                : Optional.empty();
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        noStore(res);
        res.send(json.writePage(page.items(), next));
    }

    private int limit(UriQuery query) {
        Optional<String> raw = query.first("limit").asOptional();
        if (raw.isEmpty()) {
            return settings.defaultPageSize();
        }
        String message = "must be an integer from 1 to " + settings.maxPageSize();
        if (!raw.get().matches("[0-9]{1,4}")) {
            throw ProblemException.badRequest("limit", message);
        }
        int limit = Integer.parseInt(raw.get());
        if (limit < 1 || limit > settings.maxPageSize()) {
            throw ProblemException.badRequest("limit", message);
        }
        return limit;
    }

    private void sendProduct(ServerResponse res, Status status, Product product) {
        res.status(status);
        res.header(HeaderNames.ETAG, product.etag());
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        noStore(res);
        res.send(json.write(product));
    }

    /**
     * Products are data of the caller's organisation, answered per token: no shared cache may keep
     * them, and no browser may sniff them as anything but JSON.
     */
    private static void noStore(ServerResponse res) {
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static Handler methodNotAllowed(String allowed) {
        return (req, res) -> {
            throw new ProblemException(Status.METHOD_NOT_ALLOWED_405,
                                       "Method " + req.prologue().method().text() + " is not allowed here; allowed: " + allowed,
                                       List.of(), Map.of(HeaderNames.ALLOW.defaultCase(), allowed));
        };
    }
}
