package org.productservice.http;

import java.util.List;

/**
 * The route templates of paths whose requests can be answered before their route matches: a
 * refusal by authentication (its filter route matches any path under {@code /products}), or by
 * the server before routing. The metrics and the access log then still name the route the
 * request was for, e.g. {@code /products/{id}} for a refused {@code DELETE /products/42}.
 *
 * <p>A template is a path whose {@code {name}} segments match one non-empty segment. Matching
 * allocates nothing: it runs on every request.
 */
public final class RouteTemplates {
    private static final RouteTemplates NONE = new RouteTemplates(List.of());

    private final String[] templates;

    private RouteTemplates(List<String> templates) {
        this.templates = templates.toArray(String[]::new);
    }

    /**
     * Templates, most specific first when two could match one path.
     *
     * @param templates e.g. {@code /products}, {@code /products/{id}}
     * @return the templates
     */
    public static RouteTemplates of(List<String> templates) {
        for (String template : templates) {
            if (!template.startsWith("/")) {
                throw new IllegalArgumentException("A route template starts with /: " + template);
            }
        }
        return new RouteTemplates(templates);
    }

    /**
     * No templates: every path is unmatched.
     *
     * @return empty templates
     */
    public static RouteTemplates none() {
        return NONE;
    }

    /**
     * The template matching a path.
     *
     * @param path the request's path, without query
     * @return the template, or null if none matches
     */
    public String match(String path) {
        for (String template : templates) {
            if (matches(template, path)) {
                return template;
            }
        }
        return null;
    }

    private static boolean matches(String template, String path) {
        int t = 0;
        int p = 0;
        while (t < template.length() && p < path.length()) {
            char c = template.charAt(t);
            if (c == '{' && template.charAt(t - 1) == '/') {
                int close = template.indexOf('}', t);
                int segmentEnd = path.indexOf('/', p);
                segmentEnd = segmentEnd < 0 ? path.length() : segmentEnd;
                if (segmentEnd == p) {
                    return false;
                }
                t = close + 1;
                p = segmentEnd;
            } else if (c == path.charAt(p)) {
                t++;
                p++;
            } else {
                return false;
            }
        }
        return t == template.length() && p == path.length();
    }
}
