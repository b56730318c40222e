package org.productservice.product;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.helidon.common.uri.UriQuery;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import org.productservice.auth.Principal;
import org.productservice.http.FieldError;
import org.productservice.http.ProblemException;
import org.productservice.product.IdempotencyStore.IdempotencyRecord;
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
    private static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
    private static final HeaderName IDEMPOTENT_REPLAYED = HeaderNames.create("Idempotent-Replayed");
    private static final HeaderName ACCEPT_POST = HeaderNames.create("Accept-Post");
    private static final HeaderName ACCEPT_PATCH = HeaderNames.create("Accept-Patch");
    private static final String JSON = "application/json";
    private static final String MERGE_PATCH = "application/merge-patch+json";
    private static final Pattern UUID_PATTERN = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern IDEMPOTENCY_KEY_PATTERN = Pattern.compile("[\\x21-\\x7E]{1,128}");
    private static final Pattern ENTITY_TAG = Pattern.compile("(W/)?\"([\\x21\\x23-\\x7E]*)\"");
    private static final Status UNPROCESSABLE_CONTENT = Status.create(422, "Unprocessable Content");
    private static final Set<String> LIST_PARAMETERS = Set.of("name", "order", "limit", "cursor");
    // With authentication off every caller is the same one.
    private static final String ANONYMOUS = "anonymous";

    private final ProductRepository repository;
    private final IdempotencyStore idempotency;
    private final ProductApiSettings settings;
    private final Cursors cursors;
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
        this.idempotency = idempotency;
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
        requireContentType(req, JSON, ACCEPT_POST);
        ProductInput input = ProductJson.parseInput(body(req));
        Optional<String> key = idempotencyKey(req).map(clientKey -> scopedKey(req, clientKey));
        Instant now = now();
        if (key.isEmpty()) {
            Product product = newProduct(UUID.randomUUID().toString(), input, now);
            // A random UUID that is already taken is all but impossible; if it happens, draw another.
            while (!repository.create(product)) {
                product = newProduct(UUID.randomUUID().toString(), input, now);
            }
            sendCreated(res, product, false);
            return;
        }
        IdempotencyRecord claim = new IdempotencyRecord(key.get(), requestHash(input), UUID.randomUUID().toString(),
                                                        now.plus(settings.idempotencyTtl()), false);
        Optional<IdempotencyRecord> existing = idempotency.claim(claim, now);
        if (existing.isEmpty()) {
            Product product = newProduct(claim.productId(), input, now);
            // False only if a concurrent retry of this key stored the product first: answer with that one.
            Product stored = repository.create(product) ? product : repository.find(product.id()).orElse(product);
            idempotency.complete(claim.key());
            sendCreated(res, stored, false);
            return;
        }
        IdempotencyRecord previous = existing.get();
        if (!previous.requestHash().equals(claim.requestHash())) {
            throw ProblemException.of(UNPROCESSABLE_CONTENT,
                                      "This Idempotency-Key was already used with a different request body. "
                                              + "Use a new key for a new product.");
        }
        Optional<Product> stored = repository.find(previous.productId());
        if (stored.isEmpty()) {
            if (previous.completed()) {
                throw ProblemException.of(Status.CONFLICT_409,
                                          "The product created with this Idempotency-Key (" + previous.productId()
                                                  + ") has since been deleted.");
            }
            // The first attempt recorded the key but did not get to store the product (or is
            // storing it right now): store it under the recorded id; the conditional write
            // lets exactly one attempt create it.
            Product product = newProduct(previous.productId(), input, now);
            stored = repository.create(product) ? Optional.of(product) : repository.find(previous.productId());
            idempotency.complete(previous.key());
        } else if (!previous.completed()) {
            // The first attempt stored the product but failed before marking the key.
            idempotency.complete(previous.key());
        }
        sendCreated(res, stored.orElseThrow(() -> ProblemException.of(
                Status.CONFLICT_409, "The product created with this Idempotency-Key has since been deleted.")), true);
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = productId(req);
        Product product = repository.find(id).orElseThrow(() -> new ProductNotFoundException(id));
        Optional<String> ifNoneMatch = req.headers().first(HeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch.isPresent() && weakMatch(ifNoneMatch.get(), product)) {
            res.header(HeaderNames.ETAG, product.etag());
            noStore(res);
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        sendProduct(res, Status.OK_200, product);
    }

    private void replace(ServerRequest req, ServerResponse res) {
        String id = productId(req);
        requireContentType(req, JSON, null);
        ProductInput input = ProductJson.parseInput(body(req));
        OptionalLong expected = ifMatch(req);
        Product product = repository.update(id, new ProductChanges(Optional.of(input.name()), Optional.of(input.description())),
                                            expected, now());
        sendProduct(res, Status.OK_200, product);
    }

    private void patch(ServerRequest req, ServerResponse res) {
        String id = productId(req);
        requireContentType(req, MERGE_PATCH, ACCEPT_PATCH);
        ProductChanges changes = ProductJson.parsePatch(body(req));
        OptionalLong expected = ifMatch(req);
        Product product;
        if (changes.name().isEmpty() && changes.description().isEmpty()) {
            // An empty merge patch changes nothing: answer with the product as it is.
            product = repository.find(id).orElseThrow(() -> new ProductNotFoundException(id));
            if (expected.isPresent() && expected.getAsLong() != product.version()) {
                throw new VersionMismatchException(id, product.version());
            }
        } else {
            product = repository.update(id, changes, expected, now());
        }
        sendProduct(res, Status.OK_200, product);
    }

    private void delete(ServerRequest req, ServerResponse res) {
        String id = productId(req);
        repository.delete(id, ifMatch(req));
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
        Optional<String> name = query.first("name").asOptional().map(value -> ProductJson.queryName("name", value));
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
        res.send(ProductJson.writePage(page.items(), next));
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

    private void sendCreated(ServerResponse res, Product product, boolean replayed) {
        res.header(HeaderNames.LOCATION, "/products/" + product.id());
        if (replayed) {
            res.header(IDEMPOTENT_REPLAYED, "true");
        }
        sendProduct(res, Status.CREATED_201, product);
    }

    private static void sendProduct(ServerResponse res, Status status, Product product) {
        res.status(status);
        res.header(HeaderNames.ETAG, product.etag());
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        noStore(res);
        res.send(ProductJson.write(product));
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

    private static Product newProduct(String id, ProductInput input, Instant now) {
        return new Product(id, input.name(), input.description(), now, now, 1);
    }

    private static String productId(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        if (!UUID_PATTERN.matcher(id).matches()) {
            throw ProblemException.badRequest("id", "must be a UUID such as 3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12");
        }
        return id.toLowerCase(Locale.ROOT);
    }

    private static byte[] body(ServerRequest req) {
        return req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
    }

    private static void requireContentType(ServerRequest req, String expected, HeaderName acceptHeader) {
        Optional<HttpMediaType> contentType;
        try {
            contentType = req.headers().contentType();
        } catch (RuntimeException unparseable) {
            // e.g. `application/json; charset="`: Helidon's parser rejects it; a client error, not ours.
            throw ProblemException.badRequest("Content-Type", "is not a valid media type");
        }
        boolean matches = contentType.isPresent()
                && contentType.get().mediaType().text().equalsIgnoreCase(expected)
                && contentType.get().charset().map(c -> c.equalsIgnoreCase("utf-8")).orElse(true);
        if (!matches) {
            String actual = contentType.map(HttpMediaType::text).orElse("none");
            Map<String, String> headers = acceptHeader == null ? Map.of() : Map.of(acceptHeader.defaultCase(), expected);
            throw new ProblemException(Status.UNSUPPORTED_MEDIA_TYPE_415,
                                       "Content-Type must be " + expected + " (UTF-8), not " + actual,
                                       List.of(new FieldError("Content-Type", "must be " + expected)), headers);
        }
    }

    /**
     * The stored key: the client's key under a hash of the principal, so that two callers using
     * the same key get two products and never see each other's. The hash keeps the key short
     * and keeps subjects (possibly e-mail addresses) out of the table.
     */
    private static String scopedKey(ServerRequest req, String clientKey) {
        String principal = Principal.of(req).map(Principal::name).orElse(ANONYMOUS);
        return sha256(principal.getBytes(StandardCharsets.UTF_8)).substring(0, 32) + "/" + clientKey;
    }

    private static Optional<String> idempotencyKey(ServerRequest req) {
        List<String> values = req.headers().all(IDEMPOTENCY_KEY, List::of);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1 || !IDEMPOTENCY_KEY_PATTERN.matcher(values.getFirst()).matches()) {
            throw ProblemException.badRequest("Idempotency-Key", "must be one value of 1 to 128 visible ASCII characters");
        }
        return Optional.of(values.getFirst());
    }

    /**
     * The version an If-Match header requires, or empty for none (no header, or {@code *}).
     * Tags are compared strongly, as RFC 9110 requires for If-Match: a weak or unknown tag can
     * never match, so the write is refused with 412.
     */
    private static OptionalLong ifMatch(ServerRequest req) {
        List<String> values = req.headers().all(HeaderNames.IF_MATCH, List::of);
        if (values.isEmpty()) {
            return OptionalLong.empty();
        }
        String value = String.join(",", values).strip();
        if (value.equals("*")) {
            return OptionalLong.empty();
        }
        String[] tags = value.split(",");
        if (tags.length > 1) {
            throw ProblemException.badRequest("If-Match", "give one entity tag (the ETag of the version you read)");
        }
        var matcher = ENTITY_TAG.matcher(tags[0].strip());
        if (!matcher.matches()) {
            throw ProblemException.badRequest("If-Match", "must be an entity tag such as \"3\", as sent in ETag");
        }
        if (matcher.group(1) == null && matcher.group(2).matches("[1-9][0-9]{0,17}")) {
            return OptionalLong.of(Long.parseLong(matcher.group(2)));
        }
        // Well-formed but can never be current: no stored version has this tag.
        return OptionalLong.of(0);
    }

    private static boolean weakMatch(String ifNoneMatch, Product product) {
        if (ifNoneMatch.strip().equals("*")) {
            return true;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String candidate = tag.strip();
            if (candidate.startsWith("W/")) {
                candidate = candidate.substring(2);
            }
            if (candidate.equals(product.etag())) {
                return true;
            }
        }
        return false;
    }

    /** Over the validated, NFC-normalised values: a retry in another normal form is the same request. */
    private static String requestHash(ProductInput input) {
        byte[] name = input.name().getBytes(StandardCharsets.UTF_8);
        byte[] description = input.description().getBytes(StandardCharsets.UTF_8);
        byte[] joined = new byte[name.length + 1 + description.length];
        System.arraycopy(name, 0, joined, 0, name.length);
        System.arraycopy(description, 0, joined, name.length + 1, description.length);
        return sha256(joined);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static Handler methodNotAllowed(String allowed) {
        return (req, res) -> {
            throw new ProblemException(Status.METHOD_NOT_ALLOWED_405,
                                       "Method " + req.prologue().method().text() + " is not allowed here; allowed: " + allowed,
                                       List.of(), Map.of(HeaderNames.ALLOW.defaultCase(), allowed));
        };
    }
}
