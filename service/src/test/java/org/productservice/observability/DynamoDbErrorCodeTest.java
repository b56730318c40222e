package org.productservice.observability;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading DynamoDB's error code from an error answer, as the SDK's JSON protocol reads it. */
class DynamoDbErrorCodeTest {

    @Test
    void theBodysTypeAfterItsNamespace() {
        assertThat(code(null, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
                + "\"message\":\"slow down\"}")).isEqualTo("ProvisionedThroughputExceededException");
        assertThat(code(null, "{ \"message\": \"x\", \"__type\" : \"ThrottlingException\" }")).isEqualTo("ThrottlingException");
    }

    @Test
    void theHeaderBeforeTheBody() {
        assertThat(code("ThrottlingException:http://internal.amazon.com/coral/", "{\"__type\":\"a#ValidationException\"}"))
                .isEqualTo("ThrottlingException");
    }

    @Test
    void noCodeWhenTheAnswerNamesNone() {
        assertThat(code(null, "{\"message\":\"no type\"}")).isNull();
        assertThat(code(null, "<html>Bad Gateway</html>")).isNull();
        assertThat(code(null, "{\"__type\":\"cut sho")).isNull();
        assertThat(code(null, "")).isNull();
    }

    @Test
    void onlyTheBytesReadCount() {
        byte[] body = "{\"__type\":\"a#ThrottlingException\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(ErrorAnswerBody.errorCode(null, body, 12)).isNull();
        assertThat(ErrorAnswerBody.errorCode(null, body, body.length)).isEqualTo("ThrottlingException");
    }

    private static String code(String header, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return ErrorAnswerBody.errorCode(header, bytes, bytes.length);
    }
}
