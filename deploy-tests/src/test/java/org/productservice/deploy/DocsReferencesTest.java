package org.productservice.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the README and the pages of docs/ name must exist: each `make` target in the Makefile,
 * each configuration key in application.yaml, each repository path in the repository, and each
 * relative link (with its anchor, when it has one) in the repository. A rename that forgets the
 * docs fails here, naming the file and the reference.
 */
class DocsReferencesTest {
    private static final List<Markdown> DOCS = docs();

    /** `make` at the start of a command: after a line start, a space, `(`, `;`, `&`, `|` or `$(`. */
    private static final Pattern MAKE = Pattern.compile("(?:^|[\\s(;&|])make(?=\\s)");
    private static final Pattern TARGET = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern RULE = Pattern.compile("^([A-Za-z0-9_-]+(?:\\s+[A-Za-z0-9_-]+)*)\\s*:(?![=:])",
                                                        Pattern.MULTILINE);
    /** A dotted key, alone or as `key: value` / `key=value`: `limits.concurrency`, `auth.mode: jwt`. */
    private static final Pattern KEY = Pattern.compile("^([a-z][A-Za-z0-9]*(?:\\.[A-Za-z0-9*]+)+)(?:\\s*[:=].*)?$");
    /** A key line of application.yaml, commented out (a documented key without a default) or not. */
    private static final Pattern YAML_KEY = Pattern.compile("^(\\s*)(#\\s?)?(\\s*)([A-Za-z][A-Za-z0-9.]*):(\\s|$)");
    private static final Pattern PATH = Pattern.compile("^\\.?[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)+/?$|^[A-Za-z0-9_.-]+$");
    /** Build output, installed packages and values generated on the user's machine: named, never committed. */
    private static final Pattern GENERATED = Pattern.compile(
            "(^|/)(target|node_modules|cdk\\.out|generated|\\.deploy|\\.data|results)(/|$)|^infra-cdk/outputs\\.json$");

    @Test
    void everyMakeTargetTheDocsNameIsInTheMakefile() {
        Set<String> targets = makefileTargets();
        List<String> missing = new ArrayList<>();
        for (Markdown doc : DOCS) {
            for (String line : doc.commandLines()) {
                for (String target : makeTargets(line)) {
                    if (!targets.contains(target)) {
                        missing.add(doc.path() + ": make " + target + "  (in: " + line.strip() + ")");
                    }
                }
            }
        }
        assertThat(missing).as("make targets named in the docs but not defined in the Makefile").isEmpty();
    }

    @Test
    void everyConfigurationKeyTheDocsNameIsInApplicationYaml() {
        String yaml = Repository.read("service/src/main/resources/application.yaml");
        Set<String> keys = yamlKeys(yaml);
        Set<String> sections = new TreeSet<>();
        keys.forEach(key -> sections.add(key.split("\\.")[0]));
        List<String> missing = new ArrayList<>();
        for (Markdown doc : DOCS) {
            for (String span : doc.codeSpans()) {
                Matcher key = KEY.matcher(span.strip());
                if (!key.matches() || !sections.contains(key.group(1).split("\\.")[0])) {
                    continue;  // a file name, a host name, a metric: not a key of the service
                }
                String name = key.group(1);
                boolean known = name.endsWith(".*")
                        ? keys.stream().anyMatch(k -> k.startsWith(name.substring(0, name.length() - 1)))
                        : keys.contains(name) || yaml.contains(name);
                if (!known) {
                    missing.add(doc.path() + ": " + name);
                }
            }
        }
        assertThat(missing).as("configuration keys named in the docs but absent from application.yaml").isEmpty();
    }

    @Test
    void everyRepositoryPathTheDocsNameExists() {
        Set<String> topLevel = new TreeSet<>();
        try (Stream<Path> entries = Files.list(Repository.ROOT)) {
            entries.forEach(p -> topLevel.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> missing = new ArrayList<>();
        for (Markdown doc : DOCS) {
            for (String span : doc.codeSpans()) {
                String path = span.strip();
                if (!PATH.matcher(path).matches() || GENERATED.matcher(path).find()) {
                    continue;
                }
                boolean nested = path.contains("/");
                // A path is a repository path when its first part is an entry of the root (service/,
                // k8s/, Makefile); `aws/dynamodb` or `product-service/product-service` are not.
                if (nested ? topLevel.contains(path.split("/")[0]) : isRootFile(path, topLevel)) {
                    if (!Files.exists(Repository.ROOT.resolve(path))) {
                        missing.add(doc.path() + ": " + path);
                    }
                }
            }
        }
        assertThat(missing).as("repository paths named in the docs that do not exist").isEmpty();
    }

    /** DynamoDB API operations the code map names; every other CamelCase name there is one of ours. */
    private static final Set<String> DYNAMODB_OPERATIONS = Set.of("GetItem", "PutItem", "UpdateItem", "DeleteItem",
                                                                  "Query", "Scan", "DescribeTable", "CreateTable");
    private static final Pattern CLASS_NAME = Pattern.compile("[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+");

    @Test
    void everyClassTheCodeMapNamesExists() {
        Set<String> classes = new TreeSet<>();
        // The modules' sources only: node_modules and .git hold no class of ours and are large.
        try (Stream<Path> modules = Files.list(Repository.ROOT);
             Stream<Path> files = modules.map(module -> module.resolve("src"))
                                         .filter(Files::isDirectory)
                                         .flatMap(DocsReferencesTest::walk)) {
            files.map(p -> p.getFileName().toString())
                 .filter(name -> name.endsWith(".java"))
                 .forEach(name -> classes.add(name.substring(0, name.length() - ".java".length())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Markdown architecture = Markdown.read(Path.of("docs/ARCHITECTURE.md"));
        List<String> missing = new ArrayList<>();
        for (String span : architecture.codeSpans()) {
            String name = span.strip();
            if (CLASS_NAME.matcher(name).matches() && !classes.contains(name) && !DYNAMODB_OPERATIONS.contains(name)) {
                missing.add(name);
            }
        }
        assertThat(missing).as("classes named in docs/ARCHITECTURE.md that no .java file defines").isEmpty();
    }

    private static Stream<Path> walk(Path directory) {
        try {
            return Files.walk(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyRelativeLinkResolvesToAFileAndItsAnchor() {
        List<String> broken = new ArrayList<>();
        for (Markdown doc : DOCS) {
            for (String link : doc.links()) {
                if (link.matches("^[a-z][a-z0-9+.-]*:.*")) {
                    continue;  // https:, mailto:
                }
                int hash = link.indexOf('#');
                String file = hash < 0 ? link : link.substring(0, hash);
                String anchor = hash < 0 ? "" : link.substring(hash + 1);
                Path target = file.isEmpty() ? doc.path() : normalize(doc.path(), file);
                if (target == null || !Files.exists(Repository.ROOT.resolve(target.toString()))) {
                    broken.add(doc.path() + ": " + link + " (no such file)");
                } else if (!anchor.isEmpty() && target.toString().endsWith(".md")
                        && !Markdown.read(target).anchors().contains(anchor)) {
                    broken.add(doc.path() + ": " + link + " (no such heading in " + target + ")");
                }
            }
        }
        assertThat(broken).as("relative links of the docs that do not resolve").isEmpty();
    }

    /** The README and every page of docs/. */
    private static List<Markdown> docs() {
        List<Markdown> docs = new ArrayList<>();
        docs.add(Markdown.read(Path.of("README.md")));
        try (Stream<Path> pages = Files.list(Repository.ROOT.resolve("docs"))) {
            pages.filter(p -> p.toString().endsWith(".md")).sorted()
                    .forEach(p -> docs.add(Markdown.read(Path.of("docs", p.getFileName().toString()))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    private static Set<String> makefileTargets() {
        Set<String> targets = new TreeSet<>();
        Matcher rule = RULE.matcher(Repository.read("Makefile"));
        while (rule.find()) {
            targets.addAll(List.of(rule.group(1).split("\\s+")));
        }
        return targets;
    }

    /** The targets of every `make` command in a line: words after `make`, past options and VAR=value. */
    static List<String> makeTargets(String line) {
        List<String> targets = new ArrayList<>();
        Matcher make = MAKE.matcher(line);
        while (make.find()) {
            for (String word : shellWords(line.substring(make.end()))) {
                if (word.startsWith("-") || word.contains("=")) {
                    continue;
                }
                if (!TARGET.matcher(word).matches()) {
                    break;
                }
                targets.add(word);
            }
        }
        return targets;
    }

    /** Words up to the end of the command (`#`, `;`, `&`, `|`, `)` or a backtick), quotes kept together. */
    private static List<String> shellWords(String rest) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        for (char c : rest.toCharArray()) {
            if (quote != 0) {
                word.append(c);
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                word.append(c);
            } else if (Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else if ("#;&|)`".indexOf(c) >= 0 && word.isEmpty()) {
                break;
            } else {
                word.append(c);
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }

    /**
     * Every key of application.yaml as a dotted name, the commented-out ones included: a key
     * without a default (`# issuer: required with jwt`) is documented there that way.
     */
    static Set<String> yamlKeys(String yaml) {
        Set<String> keys = new LinkedHashSet<>();
        Deque<Integer> indents = new ArrayDeque<>();
        Deque<String> path = new ArrayDeque<>();
        for (String line : yaml.split("\n")) {
            Matcher key = YAML_KEY.matcher(line);
            if (!key.lookingAt()) {
                continue;
            }
            // Indentation as YAML would see it with the comment marker ("# ") removed.
            int indent = key.group(1).length() + key.group(3).length();
            while (!indents.isEmpty() && indents.peekLast() >= indent) {
                indents.removeLast();
                path.removeLast();
            }
            indents.addLast(indent);
            path.addLast(key.group(4));
            keys.add(String.join(".", path));
        }
        return keys;
    }

    private static boolean isRootFile(String name, Set<String> topLevel) {
        return topLevel.contains(name) && name.matches("[A-Za-z][\\w-]*\\.[a-z]+|Makefile|mvnw");
    }

    /** A link target relative to its file, as a path from the root; null when it leaves the repository. */
    private static Path normalize(Path from, String link) {
        Path parent = from.getParent() == null ? Path.of("") : from.getParent();
        Path resolved = parent.resolve(link).normalize();
        return resolved.startsWith("..") ? null : resolved;
    }
}
