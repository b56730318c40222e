package org.productservice.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract check catches what it must: without these, a green suite could mean a blind check. */
class ApiContractTest {
    private static final String ID = "3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12";
    private static final String PRODUCT = "{\"id\":\"" + ID + "\",\"name\":\"Book\",\"description\":\"paper\","
            + "\"created_at\":1795617920.084,\"updated_at\":1795617920.084,\"version\":1}";
    private static final String PROBLEM = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
            + "\"detail\":\"No product\",\"instance\":\"/products/x\",\"request_id\":\"r1\"}";
    private static final Map<String, List<String>> JSON = Map.of("content-type", List.of("application/json"),
                                                                 "etag", List.of("\"1\""), "x-request-id", List.of("r1"));
    private static final Map<String, List<String>> PROBLEM_JSON = Map.of("Content-Type", List.of("application/problem+json"),
                                                                         "X-Request-Id", List.of("r1"));

    private final ApiContract contract = ApiContract.get();

    @Test
    void aDocumentedResponseMeetsTheContract() {
        assertThat(contract.violations("GET", "/products/" + ID + "?x=1", 200, JSON, PRODUCT)).isEmpty();
        assertThat(contract.violations("GET", "/products/nope", 404, PROBLEM_JSON, PROBLEM)).isEmpty();
    }

    @Test
    void anUndocumentedStatusIsAViolation() {
        assertThat(contract.violations("GET", "/products/" + ID, 418, JSON, PRODUCT))
                .singleElement().asString().contains("status 418 is not documented for GET /products/{id}");
    }

    @Test
    void bodiesAreCheckedByType() {
        assertThat(contract.violations("GET", "/products/" + ID, 200, JSON, PRODUCT.replace("\"version\":1", "\"version\":\"1\"")))
                .singleElement().asString().contains("/version").contains("integer");
    }

    @Test
    void bodiesAreCheckedForMissingAndUndocumentedFieldsAndFormats() {
        assertThat(contract.violations("GET", "/products/" + ID, 200, JSON, PRODUCT.replace(",\"version\":1", "")))
                .singleElement().asString().contains("version");
        assertThat(contract.violations("GET", "/products/" + ID, 200, JSON, PRODUCT.replace("}", ",\"tags\":[]}")))
                .singleElement().asString().contains("tags");
        assertThat(contract.violations("GET", "/products/" + ID, 200, JSON, PRODUCT.replace(ID, "not-a-uuid")))
                .singleElement().asString().contains("/id");
    }

    @Test
    void theContentTypeMustBeDocumented() {
        Map<String, List<String>> text = new HashMap<>(JSON);
        text.put("content-type", List.of("text/plain"));
        assertThat(contract.violations("GET", "/products/" + ID, 200, text, PRODUCT))
                .singleElement().asString().contains("'text/plain' is not documented");
        assertThat(contract.violations("GET", "/products/" + ID, 404, JSON, PROBLEM))
                .singleElement().asString().contains("'application/json' is not documented");
    }

    @Test
    void documentedHeadersAreCheckedAgainstTheirSchemas() {
        assertThat(contract.violations("GET", "/products", 503, Map.of("Content-Type", List.of("application/problem+json"),
                                                                       "Retry-After", List.of("soon")),
                                       PROBLEM.replace("404", "503")))
                .singleElement().asString().contains("header Retry-After");
    }

    @Test
    void aBodyWhereNoneIsDocumentedIsAViolation() {
        assertThat(contract.violations("DELETE", "/products/" + ID, 204, Map.of("X-Request-Id", List.of("r1")), "{}"))
                .singleElement().asString().contains("documents no body");
    }

    @Test
    void aRequiredHeaderMustBeThereAndMatchItsSchema() {
        assertThat(contract.violations("DELETE", "/products/" + ID, 204, Map.of(), ""))
                .singleElement().asString().contains("required header X-Request-Id");
        Map<String, List<String>> weakTag = new HashMap<>(JSON);
        weakTag.put("etag", List.of("W/\"1\""));
        assertThat(contract.violations("GET", "/products/" + ID, 200, weakTag, PRODUCT))
                .singleElement().asString().contains("header ETag");
    }

    @Test
    void answersOutsideTheOperationsMustBeProblems() {
        assertThat(contract.violations("GET", "/nowhere", 404, PROBLEM_JSON, PROBLEM)).isEmpty();
        assertThat(contract.violations("GET", "/nowhere", 200, JSON, "{}"))
                .singleElement().asString().contains("not an error");
        assertThat(contract.violations("GET", "/nowhere", 404, Map.of("Content-Type", List.of("text/plain")), "Not Found"))
                .singleElement().asString().contains("must be application/problem+json");
        assertThat(contract.violations("OPTIONS", "/products", 405, PROBLEM_JSON, PROBLEM.replace("404", "405")))
                .singleElement().asString().contains("Allow");
    }

    @Test
    void theDocsAreExemptAndSayWhy() {
        assertThat(ApiContract.EXEMPT).allSatisfy((path, reason) -> assertThat(reason).isNotBlank());
        assertThat(contract.violations("GET", "/docs/index.html", 200, Map.of("Content-Type", List.of("text/html")), "<html>"))
                .isEmpty();
    }

    @Test
    void aViolationFailsWithTheRequestAndTheReason() {
        assertThatThrownBy(() -> contract.check("GET", "/products/" + ID, 418, JSON, PRODUCT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("GET /products/" + ID + " was answered outside the OpenAPI document")
                .hasMessageContaining("status 418");
    }
}
