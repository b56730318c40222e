package org.productservice.product;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

import io.helidon.metrics.api.Metrics;

import org.junit.jupiter.api.Test;
import org.productservice.dynamodb.DynamoDbClients;
import org.productservice.dynamodb.DynamoDbSettings;
import org.productservice.dynamodb.TableBootstrap;
import org.productservice.http.ProblemException;
import org.productservice.observability.DynamoDbMetrics;
import org.productservice.product.ProductJson.ProductInput;
import org.productservice.product.ProductRepository.PageKey;
import org.productservice.product.ProductRepository.ProductChanges;
import org.productservice.product.ProductRepository.ProductPage;
import org.productservice.testing.TestEngine;

import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every DynamoDB-compatible backend must do for the repository and the idempotency store.
 * Subclasses name the engine: dynalite always, DynamoDB Local when Docker is there.
 */
abstract class ProductRepositoryContract {
    private final ProductRepository repository;
    private final IdempotencyStore idempotency;
    private final DynamoDbClient client;
    private final String table;

    ProductRepositoryContract(String endpoint) {
        DynamoDbSettings settings = DynamoDbSettings.create(TestEngine.config(endpoint, Map.of()).get("dynamodb"), 16);
        DynamoDbClient client = DynamoDbClients.create(settings, new DynamoDbMetrics(Metrics.globalRegistry()));
        TableBootstrap.ensureTables(client, settings);
        this.client = client;
        this.table = settings.productTable();
        this.repository = new DynamoDbProductRepository(client, settings.productTable(), settings.nameIndex());
        this.idempotency = new DynamoDbIdempotencyStore(client, settings.idempotencyTable());
    }

    @Test
    void createThenFindReturnsTheSameProduct() {
        Product product = product("contract", "a");
        assertThat(repository.create(product)).isTrue();
        assertThat(repository.find(product.id())).contains(product);

        Product other = new Product(product.id(), "other", "b", product.createdAt(), product.updatedAt(), 1);
        assertThat(repository.create(other)).as("an id is never overwritten").isFalse();
        assertThat(repository.find(product.id())).contains(product);
        assertThat(repository.create(product)).as("a retried write that finds itself succeeded").isTrue();
    }

    @Test
    void updateIsConditionalOnTheVersion() {
        Product product = product("versioned", "a");
        repository.create(product);
        Instant later = product.updatedAt().plusMillis(5);

        Product updated = repository.update(product.id(), new ProductChanges(Map.of(ProductField.DESCRIPTION, "b")),
                                            OptionalLong.of(1), later);
        assertThat(updated.version()).isEqualTo(2);
        assertThat(updated.description()).isEqualTo("b");
        assertThat(updated.updatedAt()).isEqualTo(later);
        assertThat(updated.createdAt()).isEqualTo(product.createdAt());

        assertThatThrownBy(() -> repository.update(product.id(), new ProductChanges(Map.of(ProductField.NAME, "x")),
                                                   OptionalLong.of(1), later))
                .isInstanceOf(VersionMismatchException.class);
        assertThat(repository.find(product.id())).contains(updated);
    }

    /**
     * A change found behind a later one (its answer was lost, the retry's condition failed)
     * answers with the whole state it left: every field, the one it set among them.
     */
    @Test
    void aChangeFoundBehindALaterOneAnswersWithTheWholeStateItLeft() {
        TableSchema<ProductItem> schema = ProductItem.schema("index");
        for (ProductField field : ProductField.WRITABLE) {
            Product original = storedSample();
            Instant mineAt = original.updatedAt().plusSeconds(1);
            ProductUpdate mine = new ProductUpdate(new ProductChanges(Map.of(field, "mine")), original.version(), mineAt);
            client.updateItem(mine.request(table, key(original)));
            client.updateItem(new ProductUpdate(new ProductChanges(Map.of(field, "later")), original.version() + 1,
                                                mineAt.plusSeconds(1)).request(table, key(original)));

            Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).key(key(original)).consistentRead(true)).item();
            assertThat(mine.position(item)).isEqualTo(1);
            Product answer = schema.mapToItem(mine.written(item, 1).orElseThrow()).toProduct();

            for (ProductField each : ProductField.values()) {
                Object expected = each == field ? "mine"
                        : each == ProductField.UPDATED_AT ? mineAt
                        : each == ProductField.VERSION ? original.version() + 1
                        : each.valueOf(original);
                assertThat(each.valueOf(answer)).as(field.json() + " changed, then " + each.json()).isEqualTo(expected);
            }
        }
    }

    @Test
    void aChangeFoundBehindOneThatSetAFieldItLeftIsNotKnown() {
        for (ProductField field : ProductField.WRITABLE) {
            for (ProductField other : ProductField.WRITABLE) {
                if (other != field) {
                    Product original = storedSample();
                    ProductUpdate mine = new ProductUpdate(new ProductChanges(Map.of(field, "mine")), original.version(),
                                                           original.updatedAt());
                    client.updateItem(mine.request(table, key(original)));
                    client.updateItem(new ProductUpdate(new ProductChanges(Map.of(other, "later")), original.version() + 1,
                                                        original.updatedAt()).request(table, key(original)));
                    Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).key(key(original))
                            .consistentRead(true)).item();
                    assertThat(mine.written(item, mine.position(item))).as(field.json() + " then " + other.json()).isEmpty();
                }
            }
        }
    }

    /** The request hash covers every field a client writes: a key reused with any one of them changed is refused. */
    @Test
    void anIdempotencyKeyReusedWithAnyWritableFieldChangedIsRefused() {
        IdempotentCreate creates = new IdempotentCreate(repository, idempotency, Duration.ofMinutes(5));
        Map<ProductField, String> values = new EnumMap<>(ProductField.class);
        ProductField.WRITABLE.forEach(field -> values.put(field, (String) field.valueOf(ProductFieldsTest.sample())));
        for (ProductField field : ProductField.WRITABLE) {
            Optional<String> key = Optional.of("contract/" + UUID.randomUUID());
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Product first = creates.create(key, new ProductInput(values), now).product();
            assertThat(creates.create(key, new ProductInput(values), now)).isEqualTo(new IdempotentCreate.Created(first, true));

            Map<ProductField, String> changed = new EnumMap<>(values);
            changed.put(field, values.get(field) + " changed");
            assertThatThrownBy(() -> creates.create(key, new ProductInput(changed), now)).as(field.json())
                    .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.status().code()).isEqualTo(422));
        }
    }

    /** A key claimed before the hash became the canonical JSON's (name, a zero byte, description) still replays. */
    @Test
    void aKeyClaimedWithTheEarlierHashFormatStillReplays() throws Exception {
        IdempotentCreate creates = new IdempotentCreate(repository, idempotency, Duration.ofMinutes(5));
        ProductInput input = new ProductInput(Map.of(ProductField.NAME, "earlier", ProductField.DESCRIPTION, "format"));
        String key = "contract/" + UUID.randomUUID();
        String productId = UUID.randomUUID().toString();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String earlierHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("earlier\u0000format".getBytes(StandardCharsets.UTF_8)));
        idempotency.claim(new IdempotencyStore.IdempotencyRecord(key, earlierHash, productId, now.plusSeconds(60), false), now);

        IdempotentCreate.Created created = creates.create(Optional.of(key), input, now);

        assertThat(created.replayed()).isTrue();
        assertThat(created.product().id()).isEqualTo(productId);
        assertThat(created.product().name()).isEqualTo("earlier");
    }

    /** {@link ProductFieldsTest#sample()} under a fresh id, stored. */
    private Product storedSample() {
        Map<String, AttributeValue> item = new HashMap<>(ProductItem.schema("index")
                .itemToMap(ProductItem.from(ProductFieldsTest.sample()), true));
        item.put(ProductField.ID.attribute(), AttributeValue.fromS(UUID.randomUUID().toString()));
        client.putItem(b -> b.tableName(table).item(item));
        return ProductItem.schema("index").mapToItem(item).toProduct();
    }

    private static Map<String, AttributeValue> key(Product product) {
        return Map.of(ProductField.ID.attribute(), AttributeValue.fromS(product.id()));
    }

    @Test
    void writesToMissingProductsFailAsNotFound() {
        String id = UUID.randomUUID().toString();
        ProductChanges changes = new ProductChanges(Map.of(ProductField.NAME, "x"));
        assertThatThrownBy(() -> repository.update(id, changes, OptionalLong.empty(), Instant.now()))
                .isInstanceOf(ProductNotFoundException.class);
        assertThatThrownBy(() -> repository.update(id, changes, OptionalLong.of(1), Instant.now()))
                .isInstanceOf(ProductNotFoundException.class);
        assertThatThrownBy(() -> repository.delete(id, OptionalLong.empty())).isInstanceOf(ProductNotFoundException.class);
        assertThat(repository.find(id)).isEmpty();
    }

    @Test
    void deleteIsConditionalOnTheVersion() {
        Product product = product("deleted", "a");
        repository.create(product);
        assertThatThrownBy(() -> repository.delete(product.id(), OptionalLong.of(2))).isInstanceOf(VersionMismatchException.class);
        repository.delete(product.id(), OptionalLong.of(1));
        assertThat(repository.find(product.id())).isEmpty();
    }

    @Test
    void findByNamePagesInUpdatedAtOrderWithoutEmptyPages() {
        String name = "paged-" + UUID.randomUUID();
        List<Product> created = new ArrayList<>();
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int i = 0; i < 6; i++) {
            Instant at = base.plusMillis(i);
            Product product = new Product(UUID.randomUUID().toString(), name, "d" + i, at, at, 1);
            repository.create(product);
            created.add(product);
        }
        ProductPage first = repository.findByName(name, true, Optional.empty(), 3);
        assertThat(first.items()).containsExactly(created.get(5), created.get(4), created.get(3));
        assertThat(first.hasMore()).isTrue();
        ProductPage second = repository.findByName(name, true, Optional.of(PageKey.of(first.items().getLast())), 3);
        assertThat(second.items()).containsExactly(created.get(2), created.get(1), created.get(0));
        assertThat(second.hasMore()).isFalse();
        ProductPage ascending = repository.findByName(name, false, Optional.empty(), 10);
        assertThat(ascending.items()).containsExactlyElementsOf(created);
    }

    @Test
    void findAllVisitsEveryProductOnce() {
        List<String> seen = new ArrayList<>();
        Optional<PageKey> after = Optional.empty();
        Product marker = product("scan-" + UUID.randomUUID(), "d");
        repository.create(marker);
        for (int pages = 0; pages < 10_000; pages++) {
            ProductPage page = repository.findAll(after, 7);
            page.items().forEach(product -> seen.add(product.id()));
            if (!page.hasMore()) {
                break;
            }
            after = Optional.of(PageKey.of(page.items().getLast()));
        }
        assertThat(seen).doesNotHaveDuplicates().contains(marker.id());
    }

    @Test
    void anIdempotencyKeyIsClaimedOnceUntilItExpires() {
        Instant now = Instant.now();
        String key = UUID.randomUUID().toString();
        var record = new IdempotencyStore.IdempotencyRecord(key, "hash", UUID.randomUUID().toString(), now.plusSeconds(60), false);
        assertThat(idempotency.claim(record, now)).isEmpty();

        var retry = new IdempotencyStore.IdempotencyRecord(key, "hash", UUID.randomUUID().toString(), now.plusSeconds(60), false);
        assertThat(idempotency.claim(retry, now)).hasValueSatisfying(existing -> {
            assertThat(existing.productId()).isEqualTo(record.productId());
            assertThat(existing.completed()).isFalse();
        });
        idempotency.complete(key);
        assertThat(idempotency.claim(retry, now)).hasValueSatisfying(existing -> assertThat(existing.completed()).isTrue());
        assertThat(idempotency.claim(retry, now.plusSeconds(120))).as("expired records are free again").isEmpty();
    }

    private static Product product(String name, String description) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return new Product(UUID.randomUUID().toString(), name, description, now, now, 1);
    }
}
