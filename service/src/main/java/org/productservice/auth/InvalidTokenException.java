package org.productservice.auth;

import java.util.List;
import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;

import org.productservice.http.ProblemException;

/**
 * A request without an acceptable bearer token: 401 with the RFC 6750 challenge. The
 * description is one of a few fixed phrases, never taken from the token.
 */
final class InvalidTokenException extends ProblemException {
    private final Refusal reason;

    InvalidTokenException(Refusal reason, String description) {
        super(Status.UNAUTHORIZED_401,
              reason == Refusal.MISSING
                      ? "A bearer token is required: send Authorization: Bearer <access token>."
                      : "The bearer token was refused: " + description + ".",
              List.of(),
              Map.of(HeaderNames.WWW_AUTHENTICATE.defaultCase(), reason == Refusal.MISSING
                      ? Authentication.CHALLENGE
                      : Authentication.CHALLENGE + ", error=\"invalid_token\", error_description=\"" + description + "\""));
        this.reason = reason;
    }

    Refusal reason() {
        return reason;
    }
}
