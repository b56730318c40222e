package org.productservice.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/k8s-config.js: the CDK outputs become the aws overlay's values, invalid outputs are
 * refused without writing anything, and the committed values are exactly what it produces from
 * the committed example outputs.
 */
class K8sConfigScriptTest {
    private static final String SCRIPT = Repository.ROOT.resolve("scripts/k8s-config.js").toString();

    @TempDir
    Path dir;

    @BeforeAll
    static void node() {
        Repository.requireTool("node", "Install Node.js 20+ (a prerequisite of the project).");
    }

    private Repository.Result generate(String outputsJson, String... extra) throws IOException {
        Path outputs = dir.resolve("outputs.json");
        Files.writeString(outputs, outputsJson);
        String[] command = new String[6 + extra.length];
        command[0] = "node";
        command[1] = SCRIPT;
        command[2] = "--outputs";
        command[3] = outputs.toString();
        command[4] = "--out";
        command[5] = dir.resolve("generated").toString();
        System.arraycopy(extra, 0, command, 6, extra.length);
        return Repository.run(dir, Duration.ofSeconds(20), command);
    }

    private static String stack(String name, String role, String region) {
        return """
                "%s": {"ProductTableName": "Stack-Products-1", "IdempotencyTableName": "Stack-Idem-1",
                       "ProductTableArn": "arn:aws:dynamodb:%s:123456789012:table/Stack-Products-1",
                       "ServiceRoleArn": "%s", "Region": "%s"}""".formatted(name, region, role, region);
    }

    @Test
    void writesTablesRegionRoleAndVpcFromTheOutputs() throws IOException {
        var result = generate("{" + stack("Other", "arn:aws:iam::210987654321:role/x", "us-east-2").replace("ProductTableName", "Unrelated")
                                      .replace("IdempotencyTableName", "U2").replace("ServiceRoleArn", "U3").replace("\"Region\"", "\"U4\"")
                              + ", " + stack("Product", "arn:aws:iam::123456789012:role/ProductRole", "eu-central-1") + "}",
                              "--stack", "Product", "--vpc-cidr", "10.20.0.0/16");
        assertThat(result.exitCode()).as(result.stderr()).isZero();

        assertThat(Files.readString(dir.resolve("generated/config.env")))
                .contains("DYNAMODB_REGION=eu-central-1\n", "AWS_REGION=eu-central-1\n",
                          "DYNAMODB_TABLE_PRODUCTS=Stack-Products-1\n", "DYNAMODB_TABLE_IDEMPOTENCY=Stack-Idem-1\n");
        assertThat(Files.readString(dir.resolve("generated/serviceaccount-patch.yaml")))
                .contains("eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/ProductRole\n");
        assertThat(Files.readString(dir.resolve("generated/networkpolicy-patch.yaml"))).contains("cidr: 10.20.0.0/16\n");
    }

    @Test
    void vpcCidrOutputWinsAndTheOnlyStackIsChosen() throws IOException {
        String outputs = "{" + stack("Product", "arn:aws:iam::123456789012:role/R", "eu-west-1")
                .replace("\"Region\"", "\"VpcCidr\": \"172.31.0.0/16\", \"Region\"") + "}";
        var result = generate(outputs, "--vpc-cidr", "10.0.0.0/16");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(Files.readString(dir.resolve("generated/networkpolicy-patch.yaml"))).contains("cidr: 172.31.0.0/16\n");
    }

    @Test
    void invalidOutputsAreRefusedAndNothingIsWritten() throws IOException {
        var badRole = generate("{" + stack("Product", "not-an-arn", "eu-west-1") + "}", "--vpc-cidr", "10.0.0.0/16");
        assertThat(badRole.exitCode()).isEqualTo(1);
        assertThat(badRole.stderr()).contains("ServiceRoleArn \"not-an-arn\" is not an IAM role ARN");

        var noCidr = generate("{" + stack("Product", "arn:aws:iam::123456789012:role/R", "eu-west-1") + "}");
        assertThat(noCidr.exitCode()).isEqualTo(1);
        assertThat(noCidr.stderr()).contains("no VPC CIDR");

        var twoStacks = generate("{" + stack("A", "arn:aws:iam::123456789012:role/R", "eu-west-1") + ", "
                                 + stack("B", "arn:aws:iam::123456789012:role/R", "eu-west-1") + "}", "--vpc-cidr", "10.0.0.0/16");
        assertThat(twoStacks.exitCode()).isEqualTo(1);
        assertThat(twoStacks.stderr()).contains("choose one with --stack");

        var missing = generate("{\"Product\": {\"ProductTableName\": \"Stack-Products-1\"}}", "--vpc-cidr", "10.0.0.0/16");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("lacks the output(s) IdempotencyTableName, ServiceRoleArn, Region");

        assertThat(dir.resolve("generated")).doesNotExist();
    }

    @Test
    void committedAwsValuesAreWhatTheScriptMakesFromTheExampleOutputs() throws IOException {
        Path generated = Repository.ROOT.resolve("k8s/overlays/aws/generated");
        String example = Files.readString(Repository.ROOT.resolve("k8s/overlays/aws/outputs.example.json"));
        // The committed files are either the example's (this check) or a real account's, written
        // by `make k8s-config`; only the example's are checked, by their placeholder account.
        if (!Files.readString(generated.resolve("serviceaccount-patch.yaml")).contains("123456789012")) {
            return;
        }
        Path copy = dir.resolve("outputs.example.json");
        Files.writeString(copy, example);
        Repository.run(dir, Duration.ofSeconds(20), "node", SCRIPT, "--outputs", copy.toString(),
                       "--out", dir.resolve("generated").toString(), "--vpc-cidr", "10.0.0.0/16").requireSuccess();
        for (String file : new String[] {"config.env", "serviceaccount-patch.yaml", "networkpolicy-patch.yaml"}) {
            assertThat(dir.resolve("generated").resolve(file)).as(file).hasSameTextualContentAs(generated.resolve(file));
        }
    }
}
