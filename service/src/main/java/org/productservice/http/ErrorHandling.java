package org.productservice.http;

import java.lang.System.Logger.Level;
import java.util.List;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import org.productservice.deadline.RequestDeadline;

import software.amazon.awssdk.core.exception.SdkException;

/**
 * Maps every exception a handler can throw to a problem+json response: the one place where
 * errors become HTTP. Client mistakes get a 4xx, DynamoDB trouble a 503 with Retry-After (see
 * {@link StorageFailures}), anything else a 500 that names the request id and nothing more.
 */
public final class ErrorHandling {
    private static final System.Logger LOGGER = System.getLogger(ErrorHandling.class.getName());

    private final StorageFailures storageFailures;

    /**
     * Creates the error handling.
     *
     * @param storageFailures how storage errors are classified
     */
    public ErrorHandling(StorageFailures storageFailures) {
        this.storageFailures = storageFailures;
    }

    /**
     * Registers the handlers on a routing.
     *
     * @param routing routing to add them to
     */
    public void register(HttpRouting.Builder routing) {
        // Features' failures extend ProblemException and carry their own status and headers.
        routing.error(ProblemException.class, this::problem)
                .error(HttpException.class, (req, res, e) ->
                        Problems.send(req, res, e.status(), safeDetail(e.status(), e.getMessage()), List.of()))
                .error(RequestException.class, (req, res, e) ->
                        Problems.send(req, res, e.status(),
                                      safeDetail(e.status(), e.safeMessage() ? e.getMessage() : null), List.of()))
                .error(SdkException.class, this::storage)
                .error(Exception.class, ErrorHandling::unexpected);
    }

    private void problem(ServerRequest req, ServerResponse res, ProblemException e) {
        e.headers().forEach(res::header);
        if (e.status().code() == Status.SERVICE_UNAVAILABLE_503.code() && !e.headers().containsKey(HeaderNames.RETRY_AFTER.defaultCase())) {
            // e.g. a write whose outcome is unknown: the storage's Retry-After, like any storage 503.
            res.header(HeaderNames.RETRY_AFTER, Long.toString(storageFailures.retryAfter().toSeconds()));
        }
        if (e.getCause() != null || !e.type().equals(ProblemException.NO_TYPE)) {
            // A problem of its own type (a write whose outcome is unknown) is worth a line; plain refusals are not.
            log(req, Level.WARNING, e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"), null);
        }
        Problems.send(req, res, e.status(), e.type(), e.getMessage(), e.errors());
    }

    private void storage(ServerRequest req, ServerResponse res, SdkException e) {
        StorageFailures.Failure failure = storageFailures.classify(e);
        if (failure.transientFailure()) {
            // A call cut short because the request's time was used up: say so, it is not DynamoDB's own timeout.
            String reason = RequestDeadline.passed(req) ? "request deadline" : failure.reason();
            log(req, Level.WARNING, "DynamoDB unavailable (" + reason + "): " + e.getMessage(), null);
            res.header(HeaderNames.RETRY_AFTER, Long.toString(storageFailures.retryAfter().toSeconds()));
            Problems.send(req, res, Status.SERVICE_UNAVAILABLE_503,
                          "The product store is unavailable (" + reason + "). Retry later.", List.of());
        } else {
            unexpected(req, res, e);
        }
    }

    private static void unexpected(ServerRequest req, ServerResponse res, Exception e) {
        log(req, Level.ERROR, "Unexpected error in " + req.prologue().method() + " " + req.path().absolute().path(), e);
        Problems.send(req, res, Status.INTERNAL_SERVER_ERROR_500,
                      "An unexpected error occurred. Quote the request id when reporting it.", List.of());
    }

    /** Error handlers may run after the request filter has cleared the MDC: set it again for this line. */
    private static void log(ServerRequest req, Level level, String message, Throwable thrown) {
        HelidonMdc.set(RequestIds.MDC_KEY, RequestIds.requestId(req));
        try {
            LOGGER.log(level, message, thrown);
        } finally {
            HelidonMdc.remove(RequestIds.MDC_KEY);
        }
    }

    private static String safeDetail(Status status, String message) {
        return message == null || message.isBlank() ? status.reasonPhrase() : message;
    }
}
