package org.productservice.product;

import java.lang.System.Logger.Level;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The repository contract on Amazon's DynamoDB Local, in a container. It runs only where a
 * Docker engine is available (the image is pulled at test time; the jar is never a dependency)
 * and is skipped with a logged reason elsewhere.
 */
@EnabledIf(value = "dockerAvailable", disabledReason = "no Docker engine: DynamoDB Local contract tests skipped")
class DynamoDbLocalRepositoryTest extends ProductRepositoryContract {
    private static final System.Logger LOGGER = System.getLogger(DynamoDbLocalRepositoryTest.class.getName());
    private static final DockerImageName IMAGE = DockerImageName.parse("amazon/dynamodb-local:3.3.1");
    private static GenericContainer<?> container;

    DynamoDbLocalRepositoryTest() {
        super(endpoint());
    }

    static boolean dockerAvailable() {
        boolean available = DockerClientFactory.instance().isDockerAvailable();
        if (!available) {
            LOGGER.log(Level.WARNING, "No Docker engine: the repository contract suite runs on dynalite only, "
                    + "not on " + IMAGE);
        }
        return available;
    }

    private static synchronized String endpoint() {
        if (container == null) {
            container = new GenericContainer<>(IMAGE)
                    .withCommand("-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb")
                    .withExposedPorts(8000)
                    .waitingFor(Wait.forListeningPort());
            container.start();
        }
        return "http://" + container.getHost() + ":" + container.getMappedPort(8000);
    }

    @AfterAll
    static void stop() {
        if (container != null) {
            container.stop();
            container = null;
        }
    }
}
