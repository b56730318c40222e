package org.productservice.deploy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
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

    static Manifests render(String overlay) {
        Repository.requireTool("kubectl", "Install kubectl 1.27+ (it has kustomize built in).");
        String yaml = Repository.run(Duration.ofSeconds(30), "kubectl", "kustomize", "k8s/overlays/" + overlay);
        return parse(overlay, yaml);
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
