package org.productservice.docs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Swagger UI's files from the webjar, gzip-compressed once for clients that accept it (the 1.7 MB
 * bundle becomes about a quarter of that) and written in pieces of {@value #PIECE} bytes.
 *
 * <p>Why not Helidon's static content service: it keeps every file it serves in a heap cache
 * (50 MB by default; 4.7 MB for this webjar, in an 80 MB heap) and writes each in one piece. The
 * connection guard checks a response's rate at each write it sees, so one 1.7 MB write would give
 * a slow reader minutes; pieces give it a deadline every {@value #PIECE} bytes.
 */
final class SwaggerUiFiles implements Handler {
    private static final int PIECE = 16 * 1024;
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=UTF-8",
            "css", "text/css; charset=UTF-8",
            "js", "text/javascript; charset=UTF-8",
            "map", "application/json",
            "png", "image/png");

    private final String root;
    private final Map<String, byte[]> compressed = new ConcurrentHashMap<>();

    SwaggerUiFiles(String root) {
        this.root = root;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) throws IOException {
        String file = req.path().pathParameters().first("file").orElse("index.html");
        String extension = file.substring(file.lastIndexOf('.') + 1);
        String type = TYPES.get(extension);
        URL url = FILE_NAME.matcher(file).matches() && type != null ? getClass().getClassLoader().getResource(root + "/" + file)
                : null;
        if (url == null) {
            res.next();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, type);
        res.header(HeaderNames.CACHE_CONTROL, "public, max-age=3600");
        res.header(HeaderNames.VARY, "Accept-Encoding");
        if (!type.startsWith("image/") && acceptsGzip(req)) {
            byte[] bytes = compressed.computeIfAbsent(file, name -> gzip(url));
            res.header(HeaderNames.CONTENT_ENCODING, "gzip");
            res.contentLength(bytes.length);
            try (OutputStream out = res.outputStream()) {
                for (int at = 0; at < bytes.length; at += PIECE) {
                    out.write(bytes, at, Math.min(PIECE, bytes.length - at));
                }
            }
            return;
        }
        URLConnection connection = url.openConnection();
        res.contentLength(connection.getContentLengthLong());
        try (InputStream in = connection.getInputStream(); OutputStream out = res.outputStream()) {
            byte[] piece = new byte[PIECE];
            for (int read = in.readNBytes(piece, 0, PIECE); read > 0; read = in.readNBytes(piece, 0, PIECE)) {
                out.write(piece, 0, read);
            }
        }
    }

    private static boolean acceptsGzip(ServerRequest req) {
        return req.headers().first(HeaderNames.ACCEPT_ENCODING)
                .map(value -> value.contains("gzip") && !value.replace(" ", "").contains("gzip;q=0"))
                .orElse(false);
    }

    private static byte[] gzip(URL url) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (InputStream in = url.openStream(); GZIPOutputStream zip = new GZIPOutputStream(out, PIECE)) {
            in.transferTo(zip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
