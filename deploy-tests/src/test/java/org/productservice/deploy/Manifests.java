package org.productservice.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * One overlay, rendered by {@code kubectl kustomize} and parsed into fabric8's typed models.
 *
 * <p>Parsing is strict: every document must map to a concrete model class (not the generic
 * fallback) and no field may end up in a model's catch-all {@code additionalProperties}, which is
 * where fabric8 puts the fields it does not know (a typo such as {@code readinessprobe}, or a field
 * at the wrong level). Jackson's FAIL_ON_UNKNOWN_PROPERTIES cannot see those: the catch-all
 * accepts them.
 */
record Manifests(String overlay, List<HasMetadata> resources) {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** The committed example of the CDK stack's outputs, from which the aws overlay is rendered. */
    static final Path EXAMPLE_OUTPUTS = Repository.ROOT.resolve("k8s/overlays/aws/outputs.example.json");

    /**
     * Renders an overlay as committed. The aws overlay's values are not committed (they come from
     * a deployed stack); it is rendered from {@link #EXAMPLE_OUTPUTS} as {@code make k8s-config}
     * would write them, in a copy of k8s/, so that the working tree is never touched.
     */
    static Manifests render(String overlay) {
        if (overlay.equals("aws")) {
            return renderAws(EXAMPLE_OUTPUTS).manifests();
        }
        Repository.requireTool("kubectl", "Install kubectl 1.27+ (it has kustomize built in).");
        String yaml = Repository.run(Duration.ofSeconds(30), "kubectl", "kustomize", "k8s/overlays/" + overlay);
        return parse(overlay, yaml);
    }

    /** What k8s-config printed, and the aws overlay it configured. */
    record AwsRender(Manifests manifests, String stdout) {
    }

    /**
     * Copies k8s/ to a temporary directory, runs scripts/k8s-config.js on the outputs file into
     * it, and renders the aws overlay there.
     *
     * @param outputs outputs file of `cdk deploy`
     * @param flags   extra k8s-config flags
     * @return the rendered overlay and the script's standard output
     */
    static AwsRender renderAws(Path outputs, String... flags) {
        Repository.requireTool("kubectl", "Install kubectl 1.27+ (it has kustomize built in).");
        Repository.requireTool("node", "Install Node.js 22+ (a prerequisite of the project).");
        try {
            Path copy = Files.createTempDirectory("k8s-aws");
            try {
                Repository.copyTree(Repository.ROOT.resolve("k8s"), copy.resolve("k8s"));
                Path generated = copy.resolve("k8s/overlays/aws/generated");
                List<String> command = new ArrayList<>(List.of("node", Repository.ROOT.resolve("scripts/k8s-config.js").toString(),
                                                               "--outputs", outputs.toString(), "--out", generated.toString()));
                command.addAll(List.of(flags));
                String stdout = Repository.run(copy, Duration.ofSeconds(20), command.toArray(String[]::new)).requireSuccess();
                String yaml = Repository.run(copy, Duration.ofSeconds(30), "kubectl", "kustomize", "k8s/overlays/aws").requireSuccess();
                return new AwsRender(parse("aws", yaml), stdout);
            } finally {
                Repository.deleteTree(copy);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Manifests parse(String overlay, String yaml) {
        List<HasMetadata> resources = new ArrayList<>();
        for (Object document : Repository.loadAll(yaml)) {
            KubernetesResource resource = SERIALIZATION.convertValue(document, KubernetesResource.class);
            if (!(resource instanceof HasMetadata typed) || resource instanceof GenericKubernetesResource) {
                throw new AssertionError(overlay + ": no typed model for " + describe(document));
            }
            List<String> unknown = new ArrayList<>();
            unknownFields(resource, typed.getKind() + "/" + typed.getMetadata().getName(), unknown,
                          java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
            if (!unknown.isEmpty()) {
                throw new AssertionError(overlay + ": unknown fields " + unknown);
            }
            resources.add(typed);
        }
        return new Manifests(overlay, List.copyOf(resources));
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError(
                overlay + " renders no " + type.getSimpleName() + " named " + name));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst();
    }

    /** The ConfigMap whose generated name starts with {@code name-} (kustomize appends a content hash). */
    io.fabric8.kubernetes.api.model.ConfigMap generatedConfigMap(String name) {
        return all(io.fabric8.kubernetes.api.model.ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().startsWith(name + "-"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(overlay + " renders no ConfigMap " + name + "-<hash>"));
    }

    private static String describe(Object document) {
        if (document instanceof Map<?, ?> map) {
            return map.get("apiVersion") + " " + map.get("kind");
        }
        return String.valueOf(document);
    }

    // Walks the model's getters; any non-empty getAdditionalProperties() is an unknown field.
    private static void unknownFields(Object node, String path, List<String> unknown, Set<Object> seen) {
        if (node == null || !seen.add(node)) {
            return;
        }
        if (node instanceof Collection<?> collection) {
            int i = 0;
            for (Object element : collection) {
                unknownFields(element, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> unknownFields(value, path + "." + key, unknown, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method method : node.getClass().getMethods()) {
            if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())
                    || !method.getName().startsWith("get") || method.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = method.invoke(node);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (method.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + " " + extra.keySet());
                }
                continue;
            }
            String field = method.getName().substring(3);
            unknownFields(value, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), unknown, seen);
        }
    }
}
