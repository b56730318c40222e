package org.productservice.server;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which raw paths could mean one thing to a proxy and another to the router. */
class RawPathsTest {

    @ParameterizedTest
    @ValueSource(strings = {"/products/..;/observe/metrics", "/products/../observe", "/products/.", "/products;a=b",
                            "/products/%2e%2e/observe", "/products/%2E./x", "/products/x%3bjsessionid=1", "/products/..%2fobserve",
                            "/products\\..\\observe", "/products/..%5cobserve"})
    void dotSegmentsAndParametersAreConfusing(String path) {
        assertThat(RawPaths.confusing(path)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/products", "/products/", "/products/5b0c1d2e-0000-4000-8000-000000000000", "/products/a.b",
                            "/products/..x", "/docs", "/openapi"})
    void ordinaryPathsAreNot(String path) {
        assertThat(RawPaths.confusing(path)).isFalse();
    }
}
