package org.productservice.bench;

import org.productservice.bench.LoadRunner.Operation;

/**
 * The five benchmarked operations, by name, on one side of the comparison: through the service
 * ({@link ServiceCalls}) or straight to DynamoDB ({@link DirectCalls}).
 */
interface Operations {
    Operation get();

    Operation post();

    Operation put();

    Operation query();

    Operation list();

    /**
     * The operation called {@code name} (one of {@link BenchOptions#ALL_OPERATIONS}).
     *
     * @param name get, post, put, query or list
     * @return the operation
     */
    default Operation named(String name) {
        return switch (name) {
            case "get" -> get();
            case "post" -> post();
            case "put" -> put();
            case "query" -> query();
            case "list" -> list();
            default -> throw new IllegalArgumentException("Unknown operation " + name);
        };
    }
}
