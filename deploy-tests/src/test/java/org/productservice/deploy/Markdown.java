package org.productservice.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One markdown file of the repository, split the way the docs tests read it: fenced code blocks,
 * inline code spans, links and heading anchors. Deliberately small: the docs use plain CommonMark
 * (``` fences, single-backtick spans, [text](target) links).
 */
record Markdown(Path path, String text, List<CodeBlock> blocks, List<String> codeSpans, List<String> links,
                List<String> anchors) {
    private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*([\\w-]*)\\s*$");
    private static final Pattern SPAN = Pattern.compile("`([^`\\n]+)`");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");

    /**
     * A fenced block with the line before its opening fence (where a marking HTML comment sits).
     *
     * @param language  the fence's info string, may be empty
     * @param lines     the block's lines, without the fences
     * @param preceding the last non-blank line before the opening fence
     */
    record CodeBlock(String language, List<String> lines, String preceding) {
    }

    static Markdown read(Path relativePath) {
        String text = Repository.read(relativePath.toString());
        List<CodeBlock> blocks = new ArrayList<>();
        List<String> spans = new ArrayList<>();
        List<String> links = new ArrayList<>();
        List<String> anchors = new ArrayList<>();
        List<String> block = null;
        String language = "";
        String preceding = "";
        String lastProse = "";
        for (String line : text.split("\n", -1)) {
            Matcher fence = FENCE.matcher(line);
            if (block == null && fence.matches()) {
                block = new ArrayList<>();
                language = fence.group(1);
                preceding = lastProse;
            } else if (block != null && line.strip().equals("```")) {
                blocks.add(new CodeBlock(language, List.copyOf(block), preceding));
                block = null;
            } else if (block != null) {
                block.add(line);
            } else {
                SPAN.matcher(line).results().forEach(m -> spans.add(m.group(1)));
                LINK.matcher(line).results().forEach(m -> links.add(m.group(1)));
                Matcher heading = HEADING.matcher(line);
                if (heading.matches()) {
                    anchors.add(anchor(heading.group(1)));
                }
                if (!line.isBlank()) {
                    lastProse = line.strip();
                }
            }
        }
        if (block != null) {
            throw new AssertionError(relativePath + ": a code block is never closed");
        }
        return new Markdown(relativePath, text, List.copyOf(blocks), List.copyOf(spans), List.copyOf(links),
                            List.copyOf(anchors));
    }

    /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
    static String anchor(String heading) {
        return heading.toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N} _-]", "")
                .replace(' ', '-');
    }

    /**
     * Shell lines of the bash blocks and the code spans, with backslash continuations joined: where
     * the docs show commands.
     */
    List<String> commandLines() {
        List<String> lines = new ArrayList<>(codeSpans);
        for (CodeBlock block : blocks) {
            if (block.language().equals("bash") || block.language().equals("sh") || block.language().isEmpty()) {
                lines.addAll(joinContinuations(block.lines()));
            }
        }
        return lines;
    }

    static List<String> joinContinuations(List<String> lines) {
        List<String> joined = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                joined.add(current.append(line).toString());
                current.setLength(0);
            }
        }
        if (!current.isEmpty()) {
            joined.add(current.toString());
        }
        return joined;
    }
}
