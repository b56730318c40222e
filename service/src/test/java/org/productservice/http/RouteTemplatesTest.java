package org.productservice.http;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RouteTemplatesTest {
    private final RouteTemplates routes = RouteTemplates.of(List.of("/products", "/products/{id}"));

    @Test
    void pathsAreNamedByTheirTemplate() {
        assertThat(routes.match("/products")).isEqualTo("/products");
        assertThat(routes.match("/products/3f2b7c1e-8a4d-4f6b-9c2e-1d5a7b9e0f12")).isEqualTo("/products/{id}");
        assertThat(routes.match("/products/not-a-uuid")).isEqualTo("/products/{id}");
    }

    @Test
    void otherPathsMatchNoTemplate() {
        assertThat(routes.match("/products/")).isNull();
        assertThat(routes.match("/products/a/b")).isNull();
        assertThat(routes.match("/productsx")).isNull();
        assertThat(routes.match("/product")).isNull();
        assertThat(routes.match("")).isNull();
        assertThat(routes.match("/docs")).isNull();
        assertThat(RouteTemplates.none().match("/products")).isNull();
    }
}
