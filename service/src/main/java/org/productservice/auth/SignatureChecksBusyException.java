package org.productservice.auth;

import java.util.List;
import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;

import org.productservice.http.ProblemException;

/**
 * Too many tokens not seen before to check their signatures right now ({@link SignatureBudget}):
 * a 503 with {@code Retry-After}, since the token may well be valid.
 */
final class SignatureChecksBusyException extends ProblemException {
    SignatureChecksBusyException() {
        super(Status.SERVICE_UNAVAILABLE_503,
              "Too many new tokens are being checked right now; this one was not checked. Retry in a second.",
              List.of(), Map.of(HeaderNames.RETRY_AFTER.defaultCase(), "1"));
    }
}
