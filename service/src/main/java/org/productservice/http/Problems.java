package org.productservice.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;

/**
 * Writes RFC 9457 problem details. Every error response of the API goes through here, so they
 * all carry the same fields: type, title, status, detail, instance, request_id and, for
 * validation failures, a per-field {@code errors} list. Never a stack trace.
 */
public final class Problems {
    /** Media type of problem responses. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** Most per-field errors listed in one answer; the rest are counted in {@code errors_omitted}. */
    public static final int MAX_LISTED_ERRORS = 10;

    // Buffers from a shared pool, not one set per (connection) thread: see ProductJson.
    private static final JsonFactory JSON = JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();

    private Problems() {
    }

    /**
     * Sends a problem response.
     *
     * @param req    the request
     * @param res    the response, not yet sent
     * @param status HTTP status
     * @param detail explanation of this occurrence
     * @param errors per-field errors, may be empty
     */
    public static void send(ServerRequest req, ServerResponse res, Status status, String detail, List<FieldError> errors) {
        send(req, res, status, ProblemException.NO_TYPE, detail, errors);
    }

    /**
     * Sends a problem response of a given type.
     *
     * @param req    the request
     * @param res    the response, not yet sent
     * @param status HTTP status
     * @param type   problem type URI
     * @param detail explanation of this occurrence
     * @param errors per-field errors, may be empty
     */
    public static void send(ServerRequest req, ServerResponse res, Status status, String type, String detail,
                            List<FieldError> errors) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body(status, type, detail, req.path().absolute().path(), RequestIds.requestId(req), errors));
    }

    static byte[] body(Status status, String detail, String instance, String requestId, List<FieldError> errors) {
        return body(status, ProblemException.NO_TYPE, detail, instance, requestId, errors);
    }

    static byte[] body(Status status, String type, String detail, String instance, String requestId, List<FieldError> errors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", type);
            json.writeStringField("title", status.reasonPhrase());
            json.writeNumberField("status", status.code());
            json.writeStringField("detail", detail);
            json.writeStringField("instance", instance);
            json.writeStringField("request_id", requestId);
            if (!errors.isEmpty()) {
                // A body with thousands of bad fields must not get a thousand-line answer.
                json.writeArrayFieldStart("errors");
                for (FieldError error : errors.subList(0, Math.min(errors.size(), MAX_LISTED_ERRORS))) {
                    json.writeStartObject();
                    json.writeStringField("field", error.field());
                    json.writeStringField("message", error.message());
                    json.writeEndObject();
                }
                json.writeEndArray();
                if (errors.size() > MAX_LISTED_ERRORS) {
                    json.writeNumberField("errors_omitted", errors.size() - MAX_LISTED_ERRORS);
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
