package org.productservice.http;

import java.util.List;
import java.util.Map;

import io.helidon.http.Status;

/**
 * A failure to answer with an {@code application/problem+json} response. Thrown by handlers
 * and filters; turned into a response in one place, {@link ErrorHandling}. Each feature's own
 * failures extend it (or create it) with their status, detail and headers, so that the
 * {@code http} package needs to know no feature.
 */
public class ProblemException extends RuntimeException {
    /** The problem type of problems that need no type of their own (RFC 9457). */
    public static final String NO_TYPE = "about:blank";

    private final Status status;
    private final String type;
    private final List<FieldError> errors;
    private final Map<String, String> headers;

    /**
     * Creates the exception.
     *
     * @param status  HTTP status
     * @param detail  human-readable explanation of this occurrence
     * @param errors  per-field errors, may be empty
     * @param headers extra response headers (e.g. {@code Allow})
     */
    public ProblemException(Status status, String detail, List<FieldError> errors, Map<String, String> headers) {
        this(status, NO_TYPE, detail, errors, headers, null);
    }

    private ProblemException(Status status, String type, String detail, List<FieldError> errors, Map<String, String> headers,
                             Throwable cause) {
        super(detail, cause, false, false);
        this.status = status;
        this.type = type;
        this.errors = List.copyOf(errors);
        this.headers = Map.copyOf(headers);
    }

    /**
     * Creates a problem of a type of its own, which clients act on (e.g. "re-read before retrying").
     *
     * @param status HTTP status
     * @param type   problem type URI, as documented in openapi.yaml
     * @param detail human-readable explanation of this occurrence
     * @param cause  the failure behind it, for the log; may be null
     */
    protected ProblemException(Status status, String type, String detail, Throwable cause) {
        this(status, type, detail, List.of(), Map.of(), cause);
    }

    /**
     * A 400 Bad Request.
     *
     * @param detail explanation
     * @param errors per-field errors
     * @return the exception
     */
    public static ProblemException badRequest(String detail, List<FieldError> errors) {
        return new ProblemException(Status.BAD_REQUEST_400, detail, errors, Map.of());
    }

    /**
     * A 400 Bad Request about one field.
     *
     * @param field   the field
     * @param message what is wrong with it
     * @return the exception
     */
    public static ProblemException badRequest(String field, String message) {
        return badRequest(field + ": " + message, List.of(new FieldError(field, message)));
    }

    /**
     * A problem with a status and a detail only.
     *
     * @param status HTTP status
     * @param detail explanation
     * @return the exception
     */
    public static ProblemException of(Status status, String detail) {
        return new ProblemException(status, detail, List.of(), Map.of());
    }

    /**
     * HTTP status.
     *
     * @return status
     */
    public Status status() {
        return status;
    }

    /**
     * Problem type.
     *
     * @return type URI, {@value #NO_TYPE} for most problems
     */
    public String type() {
        return type;
    }

    /**
     * Per-field errors.
     *
     * @return errors, possibly empty
     */
    public List<FieldError> errors() {
        return errors;
    }

    /**
     * Extra response headers.
     *
     * @return header name to value
     */
    public Map<String, String> headers() {
        return headers;
    }
}
