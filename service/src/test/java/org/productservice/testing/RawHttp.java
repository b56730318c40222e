package org.productservice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what an HTTP client would clean up or refuse to send:
 * pipelined requests, HEAD answers that must carry no body, odd methods and versions.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /**
     * Sends bytes on a new connection and reads until the server closes it or the timeout passes.
     *
     * @param port    the server's port
     * @param request the bytes to send
     * @param timeout longest wait
     * @return what the server sent, plus {@code <still open>} when it did not close in time
     */
    public static String exchange(int port, String request, Duration timeout) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException answeredEarly) {
                // the server may answer and close before reading everything
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    answer.write(buffer, 0, read);
                }
            } catch (SocketTimeoutException e) {
                return answer.toString(StandardCharsets.ISO_8859_1) + "<still open>";
            } catch (IOException reset) {
                return answer.toString(StandardCharsets.ISO_8859_1) + "<reset>";
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses the answers to requests sent in this order, framed as a client frames them: no body
     * after a HEAD request or a 1xx/204/304 status, else the chunks or Content-Length bytes.
     *
     * @param answer  the bytes received
     * @param methods the methods of the requests, in order
     * @return the responses, and what is left after them
     */
    public static Parsed parse(String answer, List<String> methods) {
        List<Response> responses = new ArrayList<>();
        int at = 0;
        for (String method : methods) {
            int headEnd = answer.indexOf("\r\n\r\n", at);
            if (!answer.startsWith("HTTP/1.1 ", at) || headEnd < 0) {
                break;
            }
            String[] lines = answer.substring(at, headEnd).split("\r\n");
            int status = Integer.parseInt(lines[0].substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
            at = headEnd + 4;
            boolean bodiless = method.equals("HEAD") || status < 200 || status == 204 || status == 304;
            StringBuilder body = new StringBuilder();
            if (!bodiless && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                while (true) {
                    int eol = answer.indexOf("\r\n", at);
                    if (eol < 0) {
                        break;
                    }
                    int size = Integer.parseInt(answer.substring(at, eol).strip(), 16);
                    at = eol + 2;
                    if (size == 0) {
                        at = Math.min(answer.length(), at + 2);
                        break;
                    }
                    body.append(answer, at, Math.min(answer.length(), at + size));
                    at = Math.min(answer.length(), at + size + 2);
                }
            } else {
                int length = bodiless ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
                body.append(answer, at, Math.min(answer.length(), at + length));
                at += body.length();
            }
            responses.add(new Response(status, headers, body.toString()));
        }
        return new Parsed(responses, answer.substring(at));
    }

    /**
     * The responses parsed, and the bytes after them.
     *
     * @param responses responses in order
     * @param rest      bytes not part of any response ({@code <still open>} and the like included)
     */
    public record Parsed(List<Response> responses, String rest) {
    }

    /**
     * One response.
     *
     * @param status  status code
     * @param headers header fields by lower-case name (the last of a repeated name)
     * @param body    body as framed
     */
    public record Response(int status, Map<String, String> headers, String body) {
        /**
         * A header.
         *
         * @param name lower-case name
         * @return its value, or null
         */
        public String header(String name) {
            return headers.get(name);
        }
    }
}
