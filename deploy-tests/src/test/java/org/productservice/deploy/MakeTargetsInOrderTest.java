package org.productservice.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's deploy steps, run as `make` targets in their order on a copy of the repository:
 * the outputs file where `make infra-deploy` writes it, then `make k8s-config`, `make push` (with a
 * stand-in for docker that reports a digest) and `make render`. No AWS, registry or cluster: the
 * CDK deploy itself is the only step replaced, by the example outputs it would write.
 */
class MakeTargetsInOrderTest {
    private static final String REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
    private static Path copy;

    @BeforeAll
    static void copyTheRepository() throws IOException {
        Repository.requireTool("make", "Install GNU make.");
        Repository.requireTool("kubectl", "Install kubectl 1.27+ (it has kustomize built in).");
        copy = Files.createTempDirectory("make-in-order");
        Repository.copyTree(Repository.ROOT, copy);
        // A docker that pushes nothing but answers `inspect` as the registry would after a push.
        Path docker = copy.resolve("fake-docker");
        Files.writeString(docker, """
                #!/usr/bin/env bash
                case "$1" in
                  tag|push) echo "docker $*" ;;
                  inspect) echo "%s/product-service@%s" ;;
                  *) echo "unexpected docker $*" >&2; exit 2 ;;
                esac
                """.formatted(REGISTRY, DIGEST));
        Files.setPosixFilePermissions(docker, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void deleteTheCopy() throws IOException {
        Repository.deleteTree(copy);
    }

    private static Repository.Result make(String... arguments) {
        List<String> command = new ArrayList<>(List.of("make", "--no-print-directory"));
        command.addAll(List.of(arguments));
        return Repository.run(copy, Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    @Test
    void readmeStepsFromInfraDeployToRenderProduceAnHttpsOnlyImagePinnedOverlay() throws IOException {
        // Before any step: the aws overlay has no values and says how to get them.
        Repository.Result early = make("render", "REGISTRY=" + REGISTRY);
        assertThat(early.exitCode()).isNotZero();
        assertThat(early.stderr()).contains("run 'make k8s-config' after 'make infra-deploy'");

        // 1. make infra-deploy writes the stack's outputs to infra-cdk/outputs.json.
        Files.copy(Manifests.EXAMPLE_OUTPUTS, copy.resolve("infra-cdk/outputs.json"));

        // 2. make k8s-config reads them from there (the Makefile's one CDK_OUTPUTS).
        Repository.Result config = make("k8s-config");
        assertThat(config.exitCode()).as(config.stderr()).isZero();
        assertThat(config.stdout()).contains("wrote config.env", "(stack product-service-prod, region eu-west-1)");

        // Deploying needs a pushed digest: a tag could be moved after the fact.
        Repository.Result unpushed = make("deploy-kustomization", "REGISTRY=" + REGISTRY, "REQUIRE_DIGEST=1");
        assertThat(unpushed.exitCode()).isNotZero();
        assertThat(unpushed.stderr()).contains("run 'make push REGISTRY=...' first");

        // 3. make push records the digest the registry reported.
        Repository.Result push = make("push", "REGISTRY=" + REGISTRY, "DOCKER=" + copy.resolve("fake-docker"));
        assertThat(push.exitCode()).as(push.stderr()).isZero();
        assertThat(push.stdout()).contains("record-digest: " + REGISTRY + "/product-service@" + DIGEST);

        // 4. make render shows what make deploy applies.
        Repository.Result render = make("render", "REGISTRY=" + REGISTRY);
        assertThat(render.exitCode()).as(render.stderr()).isZero();
        Manifests manifests = Manifests.parse("aws", render.stdout());
        assertThat(manifests.one(Deployment.class, "product-service").getSpec().getTemplate().getSpec().getContainers())
                .anySatisfy(c -> assertThat(c.getImage()).isEqualTo(REGISTRY + "/product-service@" + DIGEST));
        Map<String, String> annotations = manifests.one(Ingress.class, "product-service").getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("alb.ingress.kubernetes.io/listen-ports", "[{\"HTTPS\": 443}]")
                .containsEntry("alb.ingress.kubernetes.io/scheme", "internet-facing")
                .containsKey("alb.ingress.kubernetes.io/wafv2-acl-arn");
        assertThat(manifests.generatedConfigMap("product-service").getData()).containsEntry("AUTH_MODE", "jwt");
    }

    @Test
    void deployingTheStackNeedsAnExplicitStageAndTheCluster() {
        Repository.Result noStage = make("infra-deploy");
        assertThat(noStage.exitCode()).isNotZero();
        assertThat(noStage.stderr()).contains("Set STAGE: e.g. STAGE=prod");

        Repository.Result noCluster = make("infra-deploy", "STAGE=prod");
        assertThat(noCluster.exitCode()).isNotZero();
        assertThat(noCluster.stderr()).contains("Set EKS_CLUSTER=");
    }
}
