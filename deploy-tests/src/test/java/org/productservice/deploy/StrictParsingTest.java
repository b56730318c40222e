package org.productservice.deploy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

/** The checker itself: a manifest with a field Kubernetes does not know must not pass. */
class StrictParsingTest {
    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: demo
            spec:
              selector:
                matchLabels: {app: demo}
              template:
                metadata:
                  labels: {app: demo}
                spec:
                  containers:
                    - name: demo
                      image: demo:1
                      %s
            """;

    @Test
    void knownFieldsParse() {
        Manifests manifests = Manifests.parse("inline", DEPLOYMENT.formatted("imagePullPolicy: IfNotPresent"));
        assertThat(manifests.resources()).hasSize(1);
    }

    @Test
    void misspelledFieldIsRejectedWithItsPath() {
        assertThatThrownBy(() -> Manifests.parse("inline", DEPLOYMENT.formatted("readinessprobe: {}")))
                .hasMessageContaining("Deployment/demo.spec.template.spec.containers[0]")
                .hasMessageContaining("readinessprobe");
    }

    @Test
    void unknownKindIsRejected() {
        assertThatThrownBy(() -> Manifests.parse("inline", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"))
                .hasMessageContaining("no typed model for example.com/v1 Widget");
    }
}
