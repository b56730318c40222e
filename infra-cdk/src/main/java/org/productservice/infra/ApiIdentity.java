package org.productservice.infra;

import java.util.List;
import java.util.Optional;

import org.productservice.infra.EdgeSettings.Cognito;
import org.productservice.infra.EdgeSettings.ExternalIssuer;
import org.productservice.infra.EdgeSettings.IdentityProvider;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.cognito.AccountRecovery;
import software.amazon.awscdk.services.cognito.AuthFlow;
import software.amazon.awscdk.services.cognito.CfnUserPool;
import software.amazon.awscdk.services.cognito.CfnUserPoolClient;
import software.amazon.awscdk.services.cognito.CognitoDomainOptions;
import software.amazon.awscdk.services.cognito.FeaturePlan;
import software.amazon.awscdk.services.cognito.Mfa;
import software.amazon.awscdk.services.cognito.MfaSecondFactor;
import software.amazon.awscdk.services.cognito.OAuthFlows;
import software.amazon.awscdk.services.cognito.OAuthScope;
import software.amazon.awscdk.services.cognito.OAuthSettings;
import software.amazon.awscdk.services.cognito.PasswordPolicy;
import software.amazon.awscdk.services.cognito.ResourceServerScope;
import software.amazon.awscdk.services.cognito.UserPool;
import software.amazon.awscdk.services.cognito.UserPoolClient;
import software.amazon.awscdk.services.cognito.UserPoolClientOptions;
import software.amazon.awscdk.services.cognito.UserPoolDomain;
import software.amazon.awscdk.services.cognito.UserPoolDomainOptions;
import software.amazon.awscdk.services.cognito.UserPoolResourceServer;
import software.amazon.awscdk.services.cognito.UserPoolResourceServerOptions;
import software.constructs.Construct;

/**
 * Who issues the tokens the API accepts, and how the service checks them ({@code AUTH_*}).
 *
 * <p>By default a Cognito user pool for machine-to-machine callers: no self sign-up, a resource
 * server {@code product-api} with the scopes {@code products.read} and {@code products.write}, one
 * app client with the client-credentials flow and a generated secret, and a Cognito domain for the
 * token endpoint. Cognito's access tokens carry no {@code aud}; they name their app client in
 * {@code client_id}, so that is the audience claim the service checks.
 *
 * <p>With your own issuer the construct creates nothing and passes the values through.
 */
public final class ApiIdentity extends Construct {
    /** Identifier of the resource server: the prefix of the full scope names. */
    public static final String RESOURCE_SERVER = "product-api";
    /** The read scope, as tokens carry it. */
    public static final String READ_SCOPE = RESOURCE_SERVER + "/products.read";
    /** The write scope, as tokens carry it. */
    public static final String WRITE_SCOPE = RESOURCE_SERVER + "/products.write";
    /** Lifetime of access tokens: short enough that a leaked one expires soon, long enough to cache. */
    static final Duration ACCESS_TOKEN_VALIDITY = Duration.hours(1);

    private final String provider;
    private final String issuer;
    private final Optional<String> jwks;
    private final Optional<String> tokenUrl;
    private final String audience;
    private final String audienceClaim;
    private final String readScopes;
    private final String writeScopes;
    private final Optional<UserPoolClient> client;

    /**
     * Creates the identity provider, or takes yours.
     *
     * @param scope       parent
     * @param id          construct id
     * @param settings    which provider
     * @param stage       deployment stage, part of the default domain prefix
     * @param protectData keep the user pool (deletion protection, RETAIN) outside dev stages
     */
    public ApiIdentity(Construct scope, String id, IdentityProvider settings, String stage, boolean protectData) {
        super(scope, id);
        switch (settings) {
            case ExternalIssuer external -> {
                provider = "external";
                issuer = external.issuer();
                jwks = external.jwks();
                tokenUrl = Optional.empty();
                audience = external.audience();
                audienceClaim = external.audienceClaim();
                readScopes = external.readScopes();
                writeScopes = external.writeScopes();
                client = Optional.empty();
            }
            case Cognito cognito -> {
                UserPool pool = userPool(protectData);
                ResourceServerScope read = ResourceServerScope.Builder.create()
                        .scopeName("products.read").scopeDescription("Read products").build();
                ResourceServerScope write = ResourceServerScope.Builder.create()
                        .scopeName("products.write").scopeDescription("Create, change and delete products").build();
                UserPoolResourceServer server = pool.addResourceServer("ResourceServer", UserPoolResourceServerOptions.builder()
                        .identifier(RESOURCE_SERVER)
                        .userPoolResourceServerName("product-service API")
                        .scopes(List.of(read, write))
                        .build());
                UserPoolClient machine = pool.addClient("MachineClient", UserPoolClientOptions.builder()
                        .userPoolClientName("product-service machine client")
                        .generateSecret(true)
                        // Client credentials only: no user ever signs in through this client.
                        .authFlows(AuthFlow.builder().build())
                        .oAuth(OAuthSettings.builder()
                                       .flows(OAuthFlows.builder().clientCredentials(true).build())
                                       .scopes(List.of(OAuthScope.resourceServer(server, read),
                                                       OAuthScope.resourceServer(server, write)))
                                       .build())
                        .accessTokenValidity(ACCESS_TOKEN_VALIDITY)
                        .enableTokenRevocation(true)
                        .preventUserExistenceErrors(true)
                        .build());
                String prefix = cognito.domainPrefix()
                        // Unique per region: the stage and the account (Cognito prefixes are global).
                        .orElse("product-service-" + stage + "-" + Aws.ACCOUNT_ID);
                UserPoolDomain domain = pool.addDomain("Domain", UserPoolDomainOptions.builder()
                        .cognitoDomain(CognitoDomainOptions.builder().domainPrefix(prefix).build())
                        .build());
                ((CfnUserPool) pool.getNode().getDefaultChild()).overrideLogicalId("UserPool");
                ((CfnUserPoolClient) machine.getNode().getDefaultChild()).overrideLogicalId("MachineClient");

                provider = "cognito";
                issuer = pool.getUserPoolProviderUrl();
                jwks = Optional.of(pool.getUserPoolProviderUrl() + "/.well-known/jwks.json");
                tokenUrl = Optional.of(domain.baseUrl() + "/oauth2/token");
                audience = machine.getUserPoolClientId();
                audienceClaim = "client_id";
                readScopes = READ_SCOPE;
                writeScopes = WRITE_SCOPE;
                client = Optional.of(machine);
            }
        }
    }

    private UserPool userPool(boolean protectData) {
        UserPool pool = UserPool.Builder.create(this, "UserPool")
                .selfSignUpEnabled(false)
                // Essentials: machine-to-machine clients work on it; Plus bills per active user.
                .featurePlan(FeaturePlan.ESSENTIALS)
                .deletionProtection(protectData)
                .removalPolicy(protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
                .accountRecovery(AccountRecovery.NONE)
                // The pool has no human users today; should an administrator add one, it gets a
                // strong password and a second factor.
                .passwordPolicy(PasswordPolicy.builder()
                                        .minLength(14)
                                        .requireDigits(true).requireLowercase(true)
                                        .requireUppercase(true).requireSymbols(true)
                                        .tempPasswordValidity(Duration.days(1))
                                        .build())
                .mfa(Mfa.REQUIRED)
                .mfaSecondFactor(MfaSecondFactor.builder().otp(true).sms(false).build())
                .build();
        NagSuppressions.addResourceSuppressions(pool, List.of(NagPackSuppression.builder()
                .id("AwsSolutions-COG3")
                .reason("Threat protection (advanced security) evaluates user sign-ins; this pool only issues "
                                + "client-credentials tokens to app clients, and the feature needs the Plus plan, billed per user.")
                .build()));
        return pool;
    }

    /** @return {@code cognito} or {@code external} */
    public String provider() {
        return provider;
    }

    /** @return the {@code iss} of the tokens ({@code AUTH_ISSUER}) */
    public String issuer() {
        return issuer;
    }

    /** @return the JSON Web Key Set URL ({@code AUTH_JWKS}), if known */
    public Optional<String> jwks() {
        return jwks;
    }

    /** @return the OAuth token endpoint, for Cognito */
    public Optional<String> tokenUrl() {
        return tokenUrl;
    }

    /** @return the audience ({@code AUTH_AUDIENCE}): the app client id for Cognito */
    public String audience() {
        return audience;
    }

    /** @return the claim that holds the audience ({@code AUTH_CLAIMS_AUDIENCE}) */
    public String audienceClaim() {
        return audienceClaim;
    }

    /** @return the scopes that allow reading ({@code AUTH_SCOPES_READ}) */
    public String readScopes() {
        return readScopes;
    }

    /** @return the scopes that allow writing ({@code AUTH_SCOPES_WRITE}) */
    public String writeScopes() {
        return writeScopes;
    }

    /** @return the machine-to-machine app client, for Cognito */
    public Optional<UserPoolClient> client() {
        return client;
    }
}
