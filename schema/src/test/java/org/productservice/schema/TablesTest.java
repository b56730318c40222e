package org.productservice.schema;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TablesTest {

    @Test
    void productTableKeepsTheOriginalServicesNamesAndTypes() {
        assertThat(Tables.PRODUCTS.defaultName()).isEqualTo("product-table");
        assertThat(Tables.PRODUCTS.partitionKey()).isEqualTo(new KeyAttribute("id", AttributeType.S));
        IndexDefinition index = Tables.PRODUCTS.index("product-name-index");
        assertThat(index.partitionKey()).isEqualTo(new KeyAttribute("name", AttributeType.S));
        assertThat(index.sortKey()).contains(new KeyAttribute("updated_at", AttributeType.N));
    }

    @Test
    void keyAttributesListEveryKeyOnceInDeclarationOrder() {
        assertThat(Tables.PRODUCTS.keyAttributes()).containsExactly(
                Map.entry("id", AttributeType.S),
                Map.entry("name", AttributeType.S),
                Map.entry("updated_at", AttributeType.N));
        assertThat(Tables.IDEMPOTENCY.keyAttributes()).containsExactly(Map.entry("idempotency_key", AttributeType.S));
        assertThat(Tables.IDEMPOTENCY.ttlAttribute()).contains("expires_at");
    }

    @Test
    void anAttributeWithTwoTypesIsRejected() {
        IndexDefinition clash = new IndexDefinition("bad", new KeyAttribute("id", AttributeType.N), Optional.empty());
        assertThatThrownBy(() -> new TableDefinition("t", new KeyAttribute("id", AttributeType.S), List.of(clash), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id");
    }

    @Test
    void unknownIndexIsReportedByName() {
        assertThatThrownBy(() -> Tables.PRODUCTS.index("nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
    }
}
