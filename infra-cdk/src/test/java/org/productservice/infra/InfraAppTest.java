package org.productservice.infra;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.productservice.infra.ProductServiceProps.AwsManagedKey;
import org.productservice.infra.ProductServiceProps.CustomerManagedKey;
import org.productservice.infra.ProductServiceProps.Irsa;
import org.productservice.infra.ProductServiceProps.OnDemand;
import org.productservice.infra.ProductServiceProps.PodIdentity;
import org.productservice.infra.ProductServiceProps.Provisioned;
import org.productservice.infra.ProductServiceProps.ServiceAccount;

import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.Table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@link InfraApp} reads context, and that it checks what it builds with cdk-nag. */
class InfraAppTest {

    @Test
    void withoutContextItIsADisposableDevStackThatNeedsNothingFromAws() {
        ProductServiceProps props = InfraApp.props(Synth.app(Map.of()).getNode());

        assertThat(props.stage()).isEqualTo("dev");
        assertThat(props.protectData()).isFalse();
        assertThat(props.capacity()).isEqualTo(new OnDemand(1_000, 200));
        assertThat(props.encryption()).isEqualTo(new AwsManagedKey());
        assertThat(props.contributorInsights()).isFalse();
        assertThat(props.identity()).isEqualTo(new PodIdentity(java.util.Optional.empty(),
                                                               new ServiceAccount("product-service", "product-service")));
        assertThat(props.stackProps().getEnv()).isNull();
    }

    @Test
    void everyStageButDevKeepsItsData() {
        assertThat(InfraApp.props(Synth.app(Map.of("stage", "prod")).getNode()).protectData()).isTrue();
        assertThat(InfraApp.props(Synth.app(Map.of("stage", "staging")).getNode()).protectData()).isTrue();
        assertThat(InfraApp.props(Synth.app(Map.of("stage", "dev-alice")).getNode()).protectData()).isFalse();
    }

    @Test
    void optionsAreReadFromContext() {
        ProductServiceProps props = InfraApp.props(Synth.app(Map.of(
                "identity", "irsa",
                "oidcProviderArn", Synth.OIDC_PROVIDER_ARN,
                "namespace", "shop",
                "billing", "provisioned",
                "readCapacityMax", 25,
                "encryption", "customer-managed",
                "kmsKeyArn", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "region", "eu-west-1")).getNode());

        assertThat(props.identity()).isInstanceOf(Irsa.class);
        assertThat(((Irsa) props.identity()).issuer()).isEqualTo(Synth.OIDC_ISSUER);
        assertThat(props.identity().serviceAccount()).isEqualTo(new ServiceAccount("shop", "product-service"));
        assertThat(props.capacity()).isEqualTo(new Provisioned(1, 25, 1, 10, 70));
        assertThat(props.encryption()).isEqualTo(new CustomerManagedKey(java.util.Optional.of(
                "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")));
        assertThat(props.stackProps().getEnv().getRegion()).isEqualTo("eu-west-1");
        assertThat(props.stackProps().getEnv().getAccount()).isNull();
    }

    @Test
    void mistakesFailTheSynthWithAMessageThatSaysWhatToDo() {
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("identity", "irsa")).getNode()))
                .hasMessageContaining("oidcProviderArn");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("identity", "irsa", "oidcProviderArn", "oidc.eks.example")).getNode()))
                .hasMessageContaining("not an IAM OIDC provider ARN");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("billing", "serverless")).getNode()))
                .hasMessageContaining("on-demand or provisioned");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("billing", "provisioned", "readCapacityMin", "5",
                                                                 "readCapacityMax", "2")).getNode()))
                .hasMessageContaining("min <= max");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("contributorInsights", "yes")).getNode()))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("serviceAccount", "Product_Service")).getNode()))
                .hasMessageContaining("service account");
        assertThatThrownBy(() -> InfraApp.props(Synth.app(Map.of("stage", "Prod")).getNode()))
                .hasMessageContaining("stage");
    }

    @Test
    void cdkNagReportsANonCompliantResource() {
        // Proves the AwsSolutions checks run on what InfraApp builds: a table without
        // point-in-time recovery must be reported.
        ProductServiceStack stack = InfraApp.build(Synth.app(Map.of("stage", "nag-probe")));
        Table.Builder.create(stack, "Unprotected")
                .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
                .build();

        Annotations annotations = Annotations.fromStack(stack);
        annotations.hasWarning("/product-service-nag-probe/Unprotected/Resource", Match.stringLikeRegexp("AwsSolutions-DDB3.*"));
        assertThat(annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).hasSize(1);
    }
}
