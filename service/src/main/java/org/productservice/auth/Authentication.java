package org.productservice.auth;

import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import org.productservice.http.ProblemException;

/**
 * Bearer-token authentication (RFC 6750) in front of the routes it is registered on: every
 * call needs {@code Authorization: Bearer <JWT>} from the configured issuer, with the read scope
 * for GET and HEAD and the write scope for everything else. An accepted call carries its
 * {@link Principal}; a refused one gets 401 (no or bad token), 403 (missing scope) or 503 (no
 * keys to check with, or too many new tokens to check at once), each counted in {@code auth_refused_total} by {@link Refusal reason}.
 *
 * <pre>
 * curl -H "Authorization: Bearer $(make -s token)" localhost:8080/products
 * </pre>
 */
public final class Authentication implements HttpService {
    /** The challenge of every 401, before any error attributes. */
    static final String CHALLENGE = "Bearer realm=\"product-service\"";
    /** Name of the refusal counter. */
    public static final String REFUSED_COUNTER = "auth.refused";

    private final AuthSettings settings;
    private final KeySource keys;
    private final TokenVerifier verifier;
    private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);

    private Authentication(AuthSettings settings, KeySource keys, Clock clock, MeterRegistry registry) {
        this.settings = settings;
        this.keys = keys;
        this.verifier = new TokenVerifier(settings, keys, clock);
        // Every series exists from the start, at 0: dashboards and alerts see the reason before it first happens.
        for (Refusal reason : Refusal.values()) {
            refused.put(reason, registry.getOrCreate(Counter.builder(REFUSED_COUNTER)
                                                             .description("Requests refused by authentication, by reason")
                                                             .tags(List.of(Tag.create("reason", reason.label())))));
        }
    }

    /**
     * Creates the authentication of {@code auth.mode=jwt} and starts fetching the issuer's keys.
     *
     * @param settings authentication settings
     * @param registry where the refusal counter is registered
     * @return the authentication
     */
    public static Authentication start(AuthSettings settings, MeterRegistry registry) {
        Authentication authentication = new Authentication(settings, new KeySource(settings), Clock.systemUTC(), registry);
        checkIssuer(authentication.keys.start(), settings);
        return authentication;
    }

    /**
     * Waits up to {@code auth.keys.timeout} for the first fetch, so that a discovery document
     * naming another issuer (a trailing / too many in AUTH_ISSUER, another host name) stops the
     * start with a message that says so, instead of every call getting 503. An issuer that is
     * down or slow does not stop it: the keys are fetched when it answers.
     */
    private static void checkIssuer(CompletableFuture<IssuerKeys> firstFetch, AuthSettings settings) {
        try {
            firstFetch.get(settings.keysTimeout().toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IssuerDocuments.IssuerMismatchException mismatch) {
                throw new IllegalArgumentException(mismatch.getMessage(), mismatch);
            }
        } catch (TimeoutException e) {
            // still fetching: calls get 503 until it ends, readiness says so
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The readiness check: down while no signing keys could be fetched (every call would get 503).
     *
     * @return health check of type readiness
     */
    public HealthCheck readiness() {
        return new HealthCheck() {
            @Override
            public String name() {
                return "signing-keys";
            }

            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public HealthCheckResponse call() {
                boolean ready = keys.ready();
                return HealthCheckResponse.builder()
                        .status(ready)
                        .detail("keys", ready ? "cached" : "unavailable: the token issuer's key set cannot be fetched")
                        .build();
            }
        };
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any(this::authenticate);
    }

    private void authenticate(ServerRequest req, ServerResponse res) {
        String needed = readOnly(req.prologue().method()) ? settings.readScope() : settings.writeScope();
        TokenVerifier.VerifiedToken token;
        try {
            token = verifier.verify(bearerToken(req));
        } catch (InvalidTokenException e) {
            refused.get(e.reason()).increment();
            throw e;
        } catch (KeysUnavailableException e) {
            refused.get(Refusal.KEYS_UNAVAILABLE).increment();
            throw e;
        } catch (SignatureChecksBusyException e) {
            refused.get(Refusal.BUSY).increment();
            throw e;
        }
        if (!token.scopes().contains(needed)) {
            refused.get(Refusal.SCOPE).increment();
            throw new ProblemException(Status.FORBIDDEN_403,
                                       "The token lacks the scope " + needed + " that this call needs.",
                                       List.of(),
                                       Map.of(HeaderNames.WWW_AUTHENTICATE.defaultCase(),
                                              CHALLENGE + ", error=\"insufficient_scope\", scope=\"" + needed + "\""));
        }
        req.context().register(new Principal(token.principal()));
        res.next();
    }

    /** The token of the one Authorization header; the scheme is case-insensitive (RFC 9110 11.1). */
    private static String bearerToken(ServerRequest req) {
        List<String> values = req.headers().all(HeaderNames.AUTHORIZATION, List::of);
        if (values.isEmpty()) {
            throw new InvalidTokenException(Refusal.MISSING, "no token");
        }
        if (values.size() > 1) {
            throw new InvalidTokenException(Refusal.MALFORMED, "more than one Authorization header");
        }
        String value = values.getFirst().strip();
        int space = value.indexOf(' ');
        String scheme = space < 0 ? value : value.substring(0, space);
        if (!scheme.equalsIgnoreCase("Bearer")) {
            // Basic, Digest...: no bearer token was sent at all.
            throw new InvalidTokenException(Refusal.MISSING, "no bearer token");
        }
        String token = space < 0 ? "" : value.substring(space + 1).strip();
        if (token.isEmpty()) {
            throw new InvalidTokenException(Refusal.MALFORMED, "empty token");
        }
        return token;
    }

    private static boolean readOnly(Method method) {
        return method.equals(Method.GET) || method.equals(Method.HEAD);
    }
}
