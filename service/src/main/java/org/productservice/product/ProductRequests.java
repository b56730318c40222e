package org.productservice.product;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;

import org.productservice.auth.Principal;
import org.productservice.http.FieldError;
import org.productservice.http.ProblemException;

/** What the Product API reads from a request besides its JSON: the path's id, the body's media type, the Idempotency-Key. */
final class ProductRequests {
    private static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
    private static final Pattern UUID_PATTERN = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern IDEMPOTENCY_KEY_PATTERN = Pattern.compile("[\\x21-\\x7E]{1,128}");
    // With authentication off every caller is the same one.
    private static final String ANONYMOUS = "anonymous";

    private ProductRequests() {
    }

    /**
     * The {@code {id}} path parameter, in lower case.
     *
     * @param req the request
     * @return the product id
     * @throws ProblemException 400 if it is not a UUID
     */
    static String productId(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        if (!UUID_PATTERN.matcher(id).matches()) {
            throw ProblemException.badRequest("id", "must be a UUID such as 3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12");
        }
        return id.toLowerCase(Locale.ROOT);
    }

    /**
     * The body, once its Content-Type is the expected one in UTF-8.
     *
     * @param req          the request
     * @param expected     the media type the route accepts
     * @param acceptHeader the header that advertises it on a 415 (Accept-Post, Accept-Patch), or null
     * @return the body's bytes, empty if there is none
     * @throws ProblemException 415 for another media type, 400 for an unparseable one
     */
    static byte[] body(ServerRequest req, String expected, HeaderName acceptHeader) {
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
        return req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
    }

    /**
     * The Idempotency-Key, scoped to the caller ({@link IdempotentCreate#scopedKey}).
     *
     * @param req the request
     * @return the scoped key, or empty if the request has none
     * @throws ProblemException 400 if the header is repeated or malformed
     */
    static Optional<String> idempotencyKey(ServerRequest req) {
        List<String> values = req.headers().all(IDEMPOTENCY_KEY, List::of);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1 || !IDEMPOTENCY_KEY_PATTERN.matcher(values.getFirst()).matches()) {
            throw ProblemException.badRequest("Idempotency-Key", "must be one value of 1 to 128 visible ASCII characters");
        }
        String principal = Principal.of(req).map(Principal::name).orElse(ANONYMOUS);
        return Optional.of(IdempotentCreate.scopedKey(principal, values.getFirst()));
    }
}
