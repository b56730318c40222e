package org.productservice.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's quickstart, run as written. Each bash block marked with
 * {@code <!-- checked by ReadmeQuickstartTest ... -->} holds one {@code make run ...} line and the
 * commands to run against it: the test starts that {@code make run} on free ports with a data
 * directory of its own (so a developer's own {@code make run} is never disturbed), runs the other
 * lines in one bash (variables carry over, as in a terminal), and checks each status a command's
 * comment claims ({@code # 200}, {@code # 200, ETag: "1"}) against the status line it printed.
 * Changing the README's commands changes what runs here.
 */
class ReadmeQuickstartTest {
    private static final String MARKER = "<!-- checked by ReadmeQuickstartTest";
    private static final String JAR = "service/target/product-service.jar";
    /** A claimed answer at the end of a command: `# 201` or `# 200, ETag: "1"`. */
    private static final Pattern CLAIM = Pattern.compile("\\s#\\s*(\\d{3})(?:,\\s*([A-Za-z-]+):\\s*(.+?))?\\s*$");
    private static final Pattern STATUS = Pattern.compile("^HTTP/[\\d.]+ (\\d{3})", Pattern.MULTILINE);
    private static final String END = "@@end-of-command ";

    @TestFactory
    Stream<DynamicTest> everyMarkedBlockRunsAsWrittenAndGetsTheStatusesItClaims() {
        List<Markdown.CodeBlock> blocks = Markdown.read(Path.of("README.md")).blocks().stream()
                .filter(block -> block.preceding().startsWith(MARKER))
                .toList();
        assertThat(blocks).as("README blocks marked " + MARKER).isNotEmpty();
        return blocks.stream().map(block -> DynamicTest.dynamicTest(
                blockRun(block).strip(), () -> runBlock(block)));
    }

    private static String blockRun(Markdown.CodeBlock block) {
        List<String> runs = block.lines().stream().filter(line -> line.startsWith("make run")).toList();
        assertThat(runs).as("a checked block holds one `make run` line: " + block.lines()).hasSize(1);
        return runs.getFirst().replaceAll("\\s#.*$", "");
    }

    private static void runBlock(Markdown.CodeBlock block) throws Exception {
        Repository.requireTool("curl", "Install curl 7.84+.");
        Path data = Files.createTempDirectory("readme-quickstart");
        Path log = Files.createTempFile("readme-quickstart", ".log");
        Process run = null;
        try {
            Ports ports = null;
            // A free port can be taken between choosing it and make run binding it; make run then
            // says so in one line and stops, and a new set of ports is tried.
            for (int attempt = 1; ports == null; attempt++) {
                Ports candidate = Ports.free();
                run = start(block, candidate, data, log);
                if (awaitReady(run, candidate.admin(), log, attempt < 3)) {
                    ports = candidate;
                }
            }
            int api = ports.api();
            int admin = ports.admin();
            List<String> lines = Markdown.joinContinuations(block.lines()).stream()
                    .filter(line -> !line.isBlank() && !line.strip().startsWith("#") && !line.startsWith("make run"))
                    .map(line -> line.replace("localhost:8080", "localhost:" + api)
                            .replace("localhost:9080", "localhost:" + admin))
                    .toList();
            List<String> outputs = runInOneShell(lines);
            for (int i = 0; i < lines.size(); i++) {
                checkClaim(lines.get(i), outputs.get(i));
            }
        } finally {
            if (run != null) {
                stop(run);
            }
            Repository.deleteTree(data);
            Files.deleteIfExists(log);
        }
    }

    /** The block's `make run`, on the given ports and data directory, in a process group of its own. */
    private static Process start(Markdown.CodeBlock block, Ports ports, Path data, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of("setsid", "make", "--no-print-directory"));
        // In `make test` the service's jar comes from this build's package phase: never rebuild it
        // here (-o), concurrently with the build that made it.
        if (Files.exists(Repository.ROOT.resolve(JAR))) {
            command.addAll(List.of("-o", JAR));
        }
        command.addAll(List.of(blockRun(block).substring("make ".length()).split("\\s+")));
        command.addAll(List.of("PORT=" + ports.api(), "ADMIN_PORT=" + ports.admin(),
                               "ENGINE_PORT=" + ports.engine(), "DATA_DIR=" + data));
        return new ProcessBuilder(command).directory(Repository.ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
    }

    private record Ports(int api, int admin, int engine) {
        static Ports free() throws IOException {
            return new Ports(freePort(), freePort(), freePort());
        }
    }

    /** Runs the lines in one bash, one after the other, and returns each one's output and exit status. */
    private static List<String> runInOneShell(List<String> lines) throws Exception {
        StringBuilder script = new StringBuilder();
        for (String line : lines) {
            script.append(line).append('\n').append("printf '\\n").append(END).append("%s\\n' \"$?\"\n");
        }
        Repository.Result result = runBash(script.toString());
        String[] parts = result.stdout().split("\n" + END, -1);
        assertThat(parts).as("one output per command; stderr:\n" + result.stderr()).hasSize(lines.size() + 1);
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String exit = parts[i + 1].lines().findFirst().orElse("").strip();
            assertThat(exit).as("exit status of `" + lines.get(i) + "`; stderr:\n" + result.stderr()).isEqualTo("0");
            outputs.add(i == 0 ? parts[0] : parts[i].substring(parts[i].indexOf('\n') + 1));
        }
        return outputs;
    }

    /**
     * bash with the script, in the repository root; each curl bounded by a .curlrc of its own
     * (CURL_HOME), so that a service that never answers fails the test instead of hanging it.
     */
    private static Repository.Result runBash(String script) throws Exception {
        Path home = Files.createTempDirectory("readme-quickstart-curl");
        Path out = home.resolve("stdout");
        Path err = home.resolve("stderr");
        try {
            Files.writeString(home.resolve(".curlrc"), "max-time = 20\n");
            ProcessBuilder bash = new ProcessBuilder("bash", "-c", script).directory(Repository.ROOT.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            bash.environment().put("CURL_HOME", home.toString());
            Process process = bash.start();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the quickstart's commands took longer than 90 s:\n" + read(out) + read(err));
            }
            return new Repository.Result(List.of("bash"), process.exitValue(), read(out), read(err));
        } finally {
            Repository.deleteTree(home);
        }
    }

    private static void checkClaim(String line, String output) {
        Matcher claim = CLAIM.matcher(line);
        if (!claim.find()) {
            return;
        }
        List<String> statuses = STATUS.matcher(output).results().map(m -> m.group(1)).toList();
        assertThat(statuses).as("`%s` prints its status line (curl -i); it printed:%n%s", line, output).isNotEmpty();
        assertThat(statuses.getLast()).as("status of `%s`; it printed:%n%s", line, output).isEqualTo(claim.group(1));
        if (claim.group(2) != null) {
            String name = claim.group(2);
            String value = claim.group(3);
            assertThat(output.lines().map(String::strip))
                    .as("`%s` answers with %s: %s; it printed:%n%s", line, name, value, output)
                    .anyMatch(header -> header.regionMatches(true, 0, name + ":", 0, name.length() + 1)
                            && header.substring(name.length() + 1).strip().equals(value));
        }
    }

    /**
     * Until readiness answers 200 (true); false when make run stopped because a port was taken and
     * another try is allowed; fails with make run's output when it stops otherwise or takes too long.
     */
    private static boolean awaitReady(Process run, int adminPort, Path log, boolean mayRetry) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/observe/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        // Generous: without a packaged jar (a test-one of this module alone) make run builds it first.
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (Instant.now().isBefore(deadline)) {
            if (!run.isAlive()) {
                String output = read(log);
                if (mayRetry && output.contains(") is taken")) {
                    return false;
                }
                throw new AssertionError("make run stopped with " + run.exitValue() + ":\n" + output);
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("make run was not ready within 5 minutes:\n" + read(log));
    }

    /**
     * SIGTERM to make run's process group (setsid made it the leader): the script stops the service
     * gracefully and the engine, as Ctrl-C does in a terminal.
     */
    private static void stop(Process run) throws Exception {
        signalGroup(run, "-TERM");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (signalGroup(run, "-0") && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        if (signalGroup(run, "-0")) {
            signalGroup(run, "-KILL");
        }
        run.waitFor(5, TimeUnit.SECONDS);
    }

    /** Whether kill(1) reached a process of make run's group with the signal. */
    private static boolean signalGroup(Process run, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, "--", "-" + run.pid())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return kill.waitFor() == 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
