package org.productservice.testing;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local engine of `make run` and of every test (local/engine.js) outlives clients that go
 * away mid-request, as the fault and hostile-connection tests' clients do: dynalite alone ends its
 * whole process on such a request, and every test after it would fail.
 */
class LocalEngineTest {
    @Test
    void aClientResettingItsConnectionMidBodyDoesNotEndTheEngine() throws Exception {
        URI endpoint = URI.create(TestEngine.get().endpoint());
        for (int i = 0; i < 3; i++) {
            try (Socket socket = new Socket(endpoint.getHost(), endpoint.getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST / HTTP/1.1\r\nHost: engine\r\nContent-Type: application/x-amz-json-1.0\r\n"
                           + "X-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 1000\r\n\r\n{\"Li")
                                  .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(50);
                // SO_LINGER 0: the close sends a reset, as a killed or timed-out client does.
                socket.setSoLinger(true, 0);
            }
        }

        HttpResponse<String> listed = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(endpoint)
                        .header("Content-Type", "application/x-amz-json-1.0")
                        .header("X-Amz-Target", "DynamoDB_20120810.ListTables")
                        .header("X-Amz-Date", "20260101T000000Z")
                        .header("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
                                                 + "SignedHeaders=host;x-amz-date, Signature=00")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        assertThat(listed.body()).contains("TableNames");
    }
}
