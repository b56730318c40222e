package org.productservice.product;

/** There is no product with the requested id. */
public final class ProductNotFoundException extends RuntimeException {
    private final String id;

    ProductNotFoundException(String id) {
        super("No product with id " + id, null, false, false);
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
