package org.productservice.product;

import java.util.List;
import java.util.Map;

import io.helidon.http.Status;

import org.productservice.http.ProblemException;

/** There is no product with the requested id: a 404. */
public final class ProductNotFoundException extends ProblemException {
    private final String id;

    ProductNotFoundException(String id) {
        super(Status.NOT_FOUND_404, "No product with id " + id, List.of(), Map.of());
        this.id = id;
    }

    /**
     * The id asked for.
     *
     * @return product id
     */
    public String id() {
        return id;
    }
}
