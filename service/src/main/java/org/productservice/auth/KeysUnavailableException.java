package org.productservice.auth;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;

import org.productservice.http.ProblemException;

/**
 * No signing key set could be fetched and none is cached: tokens cannot be checked, and it is
 * not the client's fault, so a 503 with Retry-After rather than a 401.
 */
public final class KeysUnavailableException extends ProblemException {
    KeysUnavailableException(Duration retryAfter) {
        super(Status.SERVICE_UNAVAILABLE_503,
              "The token issuer's signing keys cannot be fetched right now, so no token can be checked. Retry later.",
              List.of(), Map.of(HeaderNames.RETRY_AFTER.defaultCase(), Long.toString(retryAfter.toSeconds())));
    }
}
