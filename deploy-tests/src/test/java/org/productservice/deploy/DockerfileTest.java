package org.productservice.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** service/Dockerfile: pinned bases, a non-root numeric user, the real health endpoint and port. */
class DockerfileTest {
    private static final List<String> INSTRUCTIONS = instructions(Repository.read("service/Dockerfile"));

    // Joins continuation lines and drops comments: one entry per instruction.
    private static List<String> instructions(String dockerfile) {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : dockerfile.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            result.add(current.toString().strip());
            current.setLength(0);
        }
        return result;
    }

    private static List<String> all(String keyword) {
        return INSTRUCTIONS.stream().filter(i -> i.regionMatches(true, 0, keyword + " ", 0, keyword.length() + 1)).toList();
    }

    private static List<String> finalStage() {
        int from = 0;
        for (int i = 0; i < INSTRUCTIONS.size(); i++) {
            if (INSTRUCTIONS.get(i).startsWith("FROM ")) {
                from = i;
            }
        }
        return INSTRUCTIONS.subList(from, INSTRUCTIONS.size());
    }

    /** The image a FROM names, with a {@code ${ARG}} replaced by that global ARG's default. */
    private static String baseImage(String from) {
        String image = from.split("\\s+")[1];
        Matcher arg = Pattern.compile("\\$\\{(\\w+)}").matcher(image);
        if (!arg.matches()) {
            return image;
        }
        return all("ARG").stream()
                .filter(a -> a.startsWith("ARG " + arg.group(1) + "="))
                .map(a -> a.substring(a.indexOf('=') + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no default for " + from));
    }

    @Test
    void baseImagesArePinnedToAVersionAndADigest() {
        List<String> froms = all("FROM");
        assertThat(froms).hasSizeGreaterThanOrEqualTo(2);
        for (String from : froms) {
            assertThat(baseImage(from)).as(from).matches("[\\w./-]+:\\d+\\.\\d+[\\w.+-]*@sha256:[0-9a-f]{64}");
        }
        // The AOT cache is only valid for the JVM that wrote it: both stages use the same Temurin build.
        assertThat(froms.stream().map(f -> baseImage(f).replaceAll("-(jdk|jre)-.*", "")).distinct()).hasSize(1);
    }

    @Test
    void mavenChecksDownloadsStrictly() {
        List<String> mavenRuns = all("RUN").stream().filter(r -> r.contains("mvnw")).toList();
        assertThat(mavenRuns).isNotEmpty().allSatisfy(run -> assertThat(run.split("&&"))
                .filteredOn(command -> command.contains("mvnw"))
                .allSatisfy(command -> assertThat(command).contains(" -C ")));
    }

    @Test
    void runtimeRunsAsANonRootNumericUser() {
        List<String> users = finalStage().stream().filter(i -> i.startsWith("USER ")).toList();
        assertThat(users).as("USER in the final stage").isNotEmpty();
        String user = users.getLast().substring(5).strip();
        assertThat(user).matches("\\d+(:\\d+)?");
        assertThat(Integer.parseInt(user.split(":")[0])).isPositive();
        // Must match the manifests' runAsUser, or runAsNonRoot pods would run with another uid.
        assertThat(Repository.read("k8s/base/deployment.yaml")).contains("runAsUser: " + user.split(":")[0]);
    }

    @Test
    void healthcheckProbesTheReadinessEndpointOnTheAdminPort() {
        List<String> healthchecks = finalStage().stream().filter(i -> i.startsWith("HEALTHCHECK ")).toList();
        assertThat(healthchecks).singleElement().satisfies(h -> assertThat(h).contains("\"" + Repository.healthPath("ready") + "\""));
        // Health lives on the admin listener only: healthcheck.sh sends /observe/* paths there.
        Matcher port = Pattern.compile("ADMIN_PORT:-(\\d+)").matcher(Repository.read("service/docker/healthcheck.sh"));
        assertThat(port.find()).as("healthcheck.sh default admin port").isTrue();
        assertThat(Integer.parseInt(port.group(1))).isEqualTo(Repository.adminPort());
        assertThat(finalStage()).contains("EXPOSE " + Repository.serverPort() + " " + Repository.adminPort());
    }

    @Test
    void runtimeHasNoBuildToolsAndCarriesOciLabels() {
        assertThat(baseImage(finalStage().getFirst())).contains("-jre-");
        assertThat(finalStage()).noneMatch(i -> i.contains("mvnw") || i.contains("apt-get install"));
        String labels = String.join(" ", all("LABEL"));
        assertThat(labels).contains("org.opencontainers.image.source=", "org.opencontainers.image.version=",
                                    "org.opencontainers.image.licenses=");
        // The JVM flags of `make run` (Makefile JAVA_OPTS) are the image's flags too.
        Matcher makeFlags = Pattern.compile("(?m)^JAVA_OPTS \\?= (.+)$").matcher(Repository.read("Makefile"));
        assertThat(makeFlags.find()).isTrue();
        assertThat(String.join("\n", finalStage())).contains("JDK_JAVA_OPTIONS=\"" + makeFlags.group(1).strip() + "\"");
    }
}
