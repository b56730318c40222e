package org.productservice.http;

/**
 * One thing wrong with a request, for the {@code errors} list of a problem response.
 *
 * @param field   JSON field, header or query parameter concerned
 * @param message what is wrong with it
 */
public record FieldError(String field, String message) {
}
