package org.productservice.product;

import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import org.productservice.http.ProblemException;

/**
 * The conditional-request headers of the Product API: If-Match on writes (compared strongly, as
 * RFC 9110 requires) and If-None-Match on reads (compared weakly). A product's entity tag is its
 * version in quotes ({@link Product#etag()}).
 */
final class Preconditions {
    private static final Pattern ENTITY_TAG = Pattern.compile("(W/)?\"([\\x21\\x23-\\x7E]*)\"");

    private Preconditions() {
    }

    /**
     * The version an If-Match header requires, or empty for none (no header, or {@code *}).
     * A weak or unknown tag can never match, so the write is refused with 412.
     *
     * @param req the request
     * @return the required version; 0 for a well-formed tag that no version has
     * @throws ProblemException 400 if the header is not one entity tag or {@code *}
     */
    static OptionalLong ifMatch(ServerRequest req) {
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

    /**
     * Checks a product read outside a conditional write (an empty merge patch) against If-Match.
     *
     * @param expected the version If-Match requires, if any
     * @param product  the product as it is
     * @throws VersionMismatchException if the product is at another version
     */
    static void requireVersion(OptionalLong expected, Product product) {
        if (expected.isPresent() && expected.getAsLong() != product.version()) {
            throw new VersionMismatchException(product.id(), product.version());
        }
    }

    /**
     * Whether a GET can answer 304: If-None-Match names the product's tag (weakly) or is {@code *}.
     *
     * @param req     the request
     * @param product the product as it is
     * @return true if the client's copy is current
     */
    static boolean notModified(ServerRequest req, Product product) {
        return req.headers().first(HeaderNames.IF_NONE_MATCH).map(value -> weakMatch(value, product)).orElse(false);
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
}
