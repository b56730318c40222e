package org.productservice.http;

import java.util.ArrayList;
import java.util.List;

import io.helidon.http.Status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Problem bodies stay small however many field errors a request has. */
class ProblemsTest {
    @Test
    void atMostTenFieldErrorsAreListedAndTheRestCounted() throws Exception {
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < 8000; i++) {
            errors.add(new FieldError("f" + i, "unknown field"));
        }

        JsonNode body = new ObjectMapper().readTree(Problems.body(Status.BAD_REQUEST_400, "invalid", "/products", "id-1", errors));

        assertThat(body.get("errors")).hasSize(10);
        assertThat(body.get("errors").get(9).get("field").asText()).isEqualTo("f9");
        assertThat(body.get("errors_omitted").asInt()).isEqualTo(7990);
        assertThat(body.get("detail").asText()).isEqualTo("invalid");
    }

    @Test
    void tenOrFewerErrorsAreAllListed() throws Exception {
        List<FieldError> errors = List.of(new FieldError("name", "is required"));

        JsonNode body = new ObjectMapper().readTree(Problems.body(Status.BAD_REQUEST_400, "invalid", "/products", "id-1", errors));

        assertThat(body.get("errors")).hasSize(1);
        assertThat(body.has("errors_omitted")).isFalse();
    }
}
