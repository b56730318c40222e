package org.productservice.product;

import io.helidon.http.Status;

import org.productservice.http.ProblemException;

/**
 * A write that may or may not have been applied, and the service cannot tell which: a 503 with
 * Retry-After and a problem type of its own, so that the client reads the product before it
 * decides whether to write again. Never a 412 or 404, which say that nothing was written.
 */
public final class WriteOutcomeUnknownException extends ProblemException {
    /** The problem type, as documented in openapi.yaml. */
    public static final String TYPE = "tag:product-service,2026:write-outcome-unknown";

    WriteOutcomeUnknownException(String id, String why, Throwable cause) {
        super(Status.SERVICE_UNAVAILABLE_503, TYPE,
              "Whether this change to product " + id + " was applied is unknown: " + why
                      + ". Read the product before deciding whether to send it again.",
              cause);
    }
}
