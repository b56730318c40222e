package org.productservice.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.yaml.snakeyaml.Yaml;

/**
 * The repository under test and the facts the deployment files must agree with, read from the
 * service's own configuration ({@code application.yaml}) so that no number is written twice.
 */
final class Repository {
    static final Path ROOT = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();

    private static final Map<String, Object> APPLICATION = load(ROOT.resolve("service/src/main/resources/application.yaml"));

    private Repository() {
    }

    /** {@code server.port}: the port the service listens on. */
    static int serverPort() {
        return ((Number) value("server.port")).intValue();
    }

    /** {@code admin.port}: the port of health and metrics. */
    static int adminPort() {
        return ((Number) value("admin.port")).intValue();
    }

    /** {@code observe.endpoint}: the prefix of the health and metrics endpoints. */
    static String observeEndpoint() {
        return (String) value("observe.endpoint");
    }

    static String healthPath(String kind) {
        return observeEndpoint() + "/health/" + kind;
    }

    static String metricsPath() {
        return observeEndpoint() + "/metrics";
    }

    /** {@code shutdown.grace}: how long the server lets in-flight requests finish after SIGTERM. */
    static Duration shutdownGrace() {
        return Duration.parse((String) value("shutdown.grace"));
    }

    static String read(String relativePath) {
        try {
            return Files.readString(ROOT.resolve(relativePath), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object value(String dottedKey) {
        Object node = APPLICATION;
        for (String part : dottedKey.split("\\.")) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(part)) {
                throw new AssertionError("application.yaml has no " + dottedKey);
            }
            node = ((Map<String, Object>) map).get(part);
        }
        return node;
    }

    private static Map<String, Object> load(Path path) {
        try {
            return new Yaml().load(Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs a command in the repository root and returns its standard output; fails the test with
     * the command's error output when it exits non-zero or takes longer than the timeout.
     */
    static String run(Duration timeout, String... command) {
        return run(ROOT, timeout, command).requireSuccess();
    }

    static Result run(Path directory, Duration timeout, String... command) {
        try {
            Path stderr = Files.createTempFile("deploy-tests", ".err");
            try {
                Process process = new ProcessBuilder(command)
                        .directory(directory.toFile())
                        .redirectError(stderr.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
                byte[] out = process.getInputStream().readAllBytes();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " took longer than " + timeout);
                }
                return new Result(List.of(command), process.exitValue(), new String(out, StandardCharsets.UTF_8),
                                  Files.readString(stderr, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Whether {@code tool} is an executable on the PATH. */
    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static void requireTool(String tool, String howToInstall) {
        if (!onPath(tool)) {
            throw new AssertionError(tool + " is not on the PATH; these offline checks need it. " + howToInstall);
        }
    }

    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        String requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exitCode + ":\n" + stderr);
            }
            return stdout;
        }
    }

    /**
     * Copies a directory tree, leaving out build output, installed packages, VCS data and
     * generated values (target/, node_modules/, .git, cdk.out/, k8s/.deploy, k8s/overlays/aws/generated).
     */
    static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path relative = from.relativize(source);
                String unix = relative.toString().replace('\\', '/');
                if (unix.matches("(.*/)?(target|node_modules|\\.git|cdk\\.out|\\.deploy|\\.data|generated)(/.*)?")
                        || unix.equals("infra-cdk/outputs.json")) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    static List<Object> loadAll(String yaml) {
        List<Object> documents = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document != null) {
                documents.add(document);
            }
        }
        return documents;
    }
}
