package org.productservice.product;

import org.productservice.testing.TestEngine;

/** The repository contract on dynalite, the engine of `make run` and of every test run. */
class DynaliteRepositoryTest extends ProductRepositoryContract {
    DynaliteRepositoryTest() {
        super(TestEngine.get().endpoint());
    }
}
