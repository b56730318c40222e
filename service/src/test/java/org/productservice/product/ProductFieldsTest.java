package org.productservice.product;

import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.productservice.docs.ApiDocs;
import org.productservice.product.ProductJson.ProductInput;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@link ProductField} is the one list of a product's fields: {@link Product} has exactly these
 * fields, and the OpenAPI document, the stored item and the JSON format each carry every one of
 * them. A field added to the record and left out of one of those places fails here.
 */
class ProductFieldsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final ProductJson json = new ProductJson();

    @Test
    void theProductRecordHasExactlyTheDefinedFields() {
        List<String> components = Arrays.stream(Product.class.getRecordComponents())
                .map(component -> snakeCase(component.getName()))
                .toList();
        assertThat(Arrays.stream(ProductField.values()).map(ProductField::json).toList())
                .as("ProductField, in the order of Product's components")
                .isEqualTo(components);
    }

    @Test
    void theOpenApiProductSchemaHasEveryFieldRequiredAndNoOther() throws Exception {
        Map<String, Object> schema = schema("Product");
        Set<String> fields = new TreeSet<>(Arrays.stream(ProductField.values()).map(ProductField::json).toList());

        assertThat(new TreeSet<>(properties(schema).keySet())).as("properties of the Product schema").isEqualTo(fields);
        assertThat(new TreeSet<>((List<?>) schema.get("required"))).as("required fields of the Product schema").isEqualTo(fields);
        assertThat(schema.get("additionalProperties")).isEqualTo(false);
        for (ProductField field : ProductField.values()) {
            assertThat(properties(schema).get(field.json())).as(field.json())
                    .containsEntry("type", openApiType(field.type()));
        }
    }

    @Test
    void theOpenApiInputSchemasHaveEveryWritableFieldWithItsLimits() throws Exception {
        Set<String> writable = new TreeSet<>(ProductField.WRITABLE.stream().map(ProductField::json).toList());
        Map<String, Object> input = schema("ProductInput");
        assertThat(new TreeSet<>((List<?>) input.get("required"))).as("required fields of ProductInput").isEqualTo(writable);
        for (String name : List.of("ProductInput", "ProductPatch")) {
            Map<String, Object> schema = schema(name);
            assertThat(new TreeSet<>(properties(schema).keySet())).as("properties of " + name).isEqualTo(writable);
            assertThat(schema.get("additionalProperties")).as(name).isEqualTo(false);
            for (ProductField field : ProductField.WRITABLE) {
                TextRule rule = field.rule().orElseThrow();
                Map<String, Object> property = properties(schema).get(field.json());
                assertThat(property).as(name + "." + field.json()).containsEntry("type", "string")
                        .containsEntry("maxLength", rule.maxLength());
                assertThat(property.getOrDefault("minLength", 0)).as(name + "." + field.json() + " minLength")
                        .isEqualTo(rule.minLength());
            }
        }
    }

    @Test
    void everyFieldIsStoredUnderItsAttributeAndReadBack() {
        TableSchema<ProductItem> schema = ProductItem.schema("index");
        Product product = sample();

        Map<String, AttributeValue> item = schema.itemToMap(ProductItem.from(product), true);

        Map<String, String> expected = new HashMap<>();
        for (ProductField field : ProductField.values()) {
            expected.put(field.attribute(), field.type() == ProductField.Type.TEXT ? "S" : "N");
        }
        Map<String, String> stored = new HashMap<>();
        item.forEach((attribute, value) -> stored.put(attribute, value.s() != null ? "S" : "N"));
        assertThat(stored).as("stored attributes and their types").isEqualTo(expected);
        assertThat(schema.mapToItem(item).toProduct()).isEqualTo(product);
    }

    @Test
    void everyFieldIsWrittenAsJsonUnderItsName() throws Exception {
        Product product = sample();

        JsonNode written = MAPPER.readTree(json.write(product));

        assertThat(written.size()).isEqualTo(ProductField.values().length);
        for (ProductField field : ProductField.values()) {
            JsonNode value = written.get(field.json());
            assertThat(value).as(field.json()).isNotNull();
            Object expected = switch (field.type()) {
                case TEXT -> value.textValue();
                case TIMESTAMP -> Instant.ofEpochMilli(value.decimalValue().movePointRight(3).longValueExact());
                case COUNT -> value.longValue();
            };
            assertThat(expected).as(field.json()).isEqualTo(field.valueOf(product));
        }
    }

    @Test
    void everyWritableFieldRoundTripsThroughTheInput() throws Exception {
        Product product = sample();
        Map<String, Object> body = new HashMap<>();
        ProductField.WRITABLE.forEach(field -> body.put(field.json(), field.valueOf(product)));

        ProductInput input = json.parseInput(MAPPER.writeValueAsBytes(body));

        for (ProductField field : ProductField.WRITABLE) {
            assertThat(input.get(field)).as(field.json()).isEqualTo(field.valueOf(product));
        }
        assertThat(MAPPER.readTree(ProductJson.canonical(input))).isEqualTo(MAPPER.valueToTree(body));
    }

    @Test
    void theCanonicalInputDiffersWhenAnyWritableFieldDoes() {
        Product product = sample();
        Map<ProductField, String> values = new EnumMap<>(ProductField.class);
        ProductField.WRITABLE.forEach(field -> values.put(field, (String) field.valueOf(product)));
        byte[] canonical = ProductJson.canonical(new ProductInput(values));
        for (ProductField field : ProductField.WRITABLE) {
            Map<ProductField, String> other = new EnumMap<>(values);
            other.put(field, values.get(field) + "!");
            assertThat(ProductJson.canonical(new ProductInput(other))).as(field.json()).isNotEqualTo(canonical);
        }
    }

    /** A product whose every field has a value of its own (none empty, none equal to another), whatever fields it has. */
    static Product sample() {
        RecordComponent[] components = Product.class.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            if (types[i] == String.class) {
                values[i] = components[i].getName() + " " + i;
            } else if (types[i] == Instant.class) {
                values[i] = Instant.ofEpochMilli(1_795_617_920_084L + 1_000L * i);
            } else if (types[i] == long.class) {
                values[i] = 7L + i;
            } else {
                fail("no sample value for " + types[i] + " (" + components[i].getName() + "): add one here");
            }
        }
        try {
            return Product.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static String snakeCase(String camelCase) {
        return camelCase.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    private static String openApiType(ProductField.Type type) {
        return switch (type) {
            case TEXT -> "string";
            case TIMESTAMP -> "number";
            case COUNT -> "integer";
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> properties(Map<String, Object> schema) {
        return (Map<String, Map<String, Object>>) schema.get("properties");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> schema(String name) throws Exception {
        try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(ApiDocs.DOCUMENT)) {
            Map<String, Object> document = new Yaml().load(in);
            return ((Map<String, Map<String, Object>>) ((Map<String, Object>) document.get("components")).get("schemas")).get(name);
        }
    }
}
