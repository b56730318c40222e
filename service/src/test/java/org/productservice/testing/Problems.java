package org.productservice.testing;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions on problem+json answers. */
public final class Problems {
    private Problems() {
    }

    /**
     * Asserts that a response is a complete RFC 9457 problem with this status, and returns it.
     *
     * @param response the response
     * @param status   expected status
     * @return the problem body
     */
    public static JsonNode assertProblem(Api.Response response, int status) {
        return assertProblemOfType(response, status, "about:blank");
    }

    /**
     * Asserts a problem+json answer of a given problem type, and returns its body.
     *
     * @param response the response
     * @param status   expected status
     * @param type     expected problem type
     * @return the problem body
     */
    public static JsonNode assertProblemOfType(Api.Response response, int status, String type) {
        assertThat(response.status()).as("status of %s", response).isEqualTo(status);
        assertThat(response.header("Content-Type")).as("content type of %s", response).contains("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asText()).isEqualTo(type);
        assertThat(problem.path("title").asText()).isNotBlank();
        assertThat(problem.path("detail").asText()).isNotBlank();
        assertThat(problem.path("request_id").asText()).isNotBlank();
        assertThat(response.header("X-Request-Id")).contains(problem.path("request_id").asText());
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        return problem;
    }

    /**
     * Asserts a problem whose errors list names this field, and returns it.
     *
     * @param response the response
     * @param status   expected status
     * @param field    field that must be named in {@code errors}
     * @return the problem body
     */
    public static JsonNode assertProblem(Api.Response response, int status, String field) {
        JsonNode problem = assertProblem(response, status);
        assertThat(problem.path("errors").findValuesAsText("field")).as("errors of %s", response).contains(field);
        return problem;
    }
}
