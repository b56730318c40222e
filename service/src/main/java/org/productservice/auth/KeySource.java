package org.productservice.auth;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The issuer's signing keys (a JSON Web Key Set), read by {@link IssuerDocuments}, and cached.
 *
 * <ul>
 *     <li>A token naming an unknown {@code kid} makes the set be fetched again (the issuer may
 *     have rotated its keys): up to {@code auth.keys.burst} fetches back to back, then one per
 *     {@code auth.keys.refresh}. So a new key is known a fetch later even right after another
 *     fetch, while a flood of made-up key ids costs the issuer a few requests a minute. The
 *     budget is checked without any lock.</li>
 *     <li>One fetch at a time: every caller that needs one joins the fetch in flight. A fetch
 *     has one deadline, {@code auth.keys.timeout}, for discovery, the key set and reading their
 *     bodies. No call waits for it: the call that starts or joins it is answered at once with
 *     the keys there are (401 for the unknown key, 503 with none at all); the calls after the
 *     fetch see its keys. ({@code auth.keys.wait} is still accepted, and no longer used.)</li>
 *     <li>Keys older than {@code auth.keys.ttl} are refreshed in the background while the cached
 *     ones keep serving, so a removed key stops being trusted without a restart.</li>
 *     <li>When a fetch fails the cached keys stay in use. Only with no keys at all are calls
 *     answered 503 ({@link KeysUnavailableException}), and readiness reports it.</li>
 * </ul>
 */
public final class KeySource {
    private static final System.Logger LOGGER = System.getLogger(KeySource.class.getName());

    private final AuthSettings settings;
    private final IssuerDocuments documents;
    private final long refreshNanos;
    /** The fetches for unknown key ids: each costs one auth.keys.refresh, a burst may be spent at once. */
    private final TimeBudget unknownKidFetches;
    private final AtomicReference<CompletableFuture<IssuerKeys>> inFlight = new AtomicReference<>();
    private volatile IssuerKeys keys;
    private volatile long lastStart;

    /**
     * Creates the source; nothing is fetched until {@link #start()} or the first token.
     *
     * @param settings authentication settings
     */
    public KeySource(AuthSettings settings) {
        this.settings = settings;
        this.documents = new IssuerDocuments(settings);
        this.refreshNanos = settings.keysRefresh().toNanos();
        this.unknownKidFetches = new TimeBudget((settings.keysBurst() - 1) * refreshNanos, System.nanoTime());
    }

    /**
     * Starts the first fetch, outside the budget of unknown key ids.
     *
     * @return the fetch, to wait for at start if wanted
     */
    public CompletableFuture<IssuerKeys> start() {
        return fetch();
    }

    /**
     * A cached key, without fetching anything (a refresh of old keys starts in the background).
     *
     * @param kid key id from the token's header
     * @return the key, or null when unknown or no keys are cached
     */
    IssuerKeys.TrustedKey cached(String kid) {
        IssuerKeys current = current();
        return current == null ? null : current.byKid().get(kid);
    }

    /**
     * The key with this id, starting a fetch of the key set if the id is unknown (within the
     * budget), without waiting for it.
     *
     * @param kid key id from the token's header
     * @return the key, empty if the issuer has no such key (as far as is known now)
     * @throws KeysUnavailableException if no key set could be fetched yet
     */
    Optional<IssuerKeys.TrustedKey> find(String kid) {
        IssuerKeys.TrustedKey key = cached(kid);
        if (key != null) {
            return Optional.of(key);
        }
        // Why no call waits: waiting would park every such call, with its concurrency permit,
        // for as long as a slow issuer takes (auth.keys.timeout). The price: a key that signs
        // before it is published costs its first calls a 401, until this fetch ends. A key
        // published first (docs/IDENTITY-PROVIDERS.md) costs nothing: the background refresh
        // (auth.keys.ttl) has it by the time tokens name it.
        fetchWithinBudget();
        IssuerKeys current = keys;
        if (current == null) {
            throw new KeysUnavailableException(retryAfter());
        }
        return Optional.ofNullable(current.byKid().get(kid));
    }

    /**
     * The version of the key set in use: it changes when a key is removed or replaced (not when
     * one is added), and the token cache uses no entry of an older one. Also starts a background
     * refresh when the keys are older than {@code auth.keys.ttl}, since calls served from the
     * token cache never ask for a key.
     *
     * @return generation number
     */
    long generation() {
        IssuerKeys current = current();
        return current == null ? 0 : current.generation();
    }

    /**
     * Whether keys are cached; with none, starts a fetch (within the budget) without waiting for
     * it. Readiness asks this.
     *
     * @return true if calls can be checked
     */
    public boolean ready() {
        if (keys == null) {
            fetchWithinBudget();
        }
        return keys != null;
    }

    /**
     * How long a client should wait before a call can be checked again.
     *
     * @return time to the next fetch the budget allows, at least a second
     */
    Duration retryAfter() {
        return Duration.ofNanos(unknownKidFetches.untilAvailable(System.nanoTime())).plusSeconds(1).withNanos(0);
    }

    /** The cached keys, starting a background refresh when they are older than auth.keys.ttl. */
    private IssuerKeys current() {
        IssuerKeys current = keys;
        if (current != null) {
            long now = System.nanoTime();
            if (now - current.fetchedAt() > settings.keysTtl().toNanos() && inFlight.get() == null
                    && now - lastStart > Math.min(settings.keysTtl().toNanos(), refreshNanos)) {
                fetch();
            }
        }
        return current;
    }

    /** Starts a fetch if none is in flight and the budget allows one. */
    private void fetchWithinBudget() {
        if (inFlight.get() == null && unknownKidFetches.tryTake(System.nanoTime(), refreshNanos)) {
            fetch();
        }
    }

    /** Joins the fetch in flight or starts one; never blocks. */
    private CompletableFuture<IssuerKeys> fetch() {
        CompletableFuture<IssuerKeys> mine = new CompletableFuture<>();
        while (true) {
            CompletableFuture<IssuerKeys> running = inFlight.get();
            if (running != null) {
                return running;
            }
            if (inFlight.compareAndSet(null, mine)) {
                break;
            }
        }
        lastStart = System.nanoTime();
        documents.keySet(lastStart + settings.keysTimeout().toNanos())
                .thenApply(set -> IssuerKeys.of(set, settings.algorithms(), keys, System.nanoTime()))
                .whenComplete((fetched, error) -> {
                    if (error == null) {
                        keys = fetched;
                        LOGGER.log(Level.DEBUG, () -> "Fetched " + fetched.byKid().size() + " signing keys from "
                                + documents.jwksUri());
                    } else {
                        logFailure(error);
                    }
                    inFlight.compareAndSet(mine, null);
                    if (error == null) {
                        mine.complete(fetched);
                    } else {
                        mine.completeExceptionally(IssuerDocuments.unwrap(error));
                    }
                });
        return mine;
    }

    private void logFailure(Throwable error) {
        Throwable cause = IssuerDocuments.unwrap(error);
        String consequence = keys == null ? " (none cached: calls get 503)" : " (the cached ones stay in use)";
        if (cause instanceof IssuerDocuments.IssuerMismatchException) {
            LOGGER.log(Level.ERROR, "The token issuer's signing keys cannot be trusted" + consequence + ": " + cause.getMessage());
        } else {
            LOGGER.log(Level.WARNING, "Could not fetch the token issuer's signing keys" + consequence + ": "
                    + IssuerDocuments.describe(cause));
        }
    }
}
