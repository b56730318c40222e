package org.productservice.auth;

import java.util.Locale;

/**
 * Why a request was refused; the label of the {@code auth_refused_total} counter. A fixed set,
 * so that no token can add a metric series.
 */
public enum Refusal {
    /** No bearer token. */
    MISSING,
    /** Not a well-formed JWT, or a header that is not supported. */
    MALFORMED,
    /** Outside its validity period ({@code exp}, or {@code nbf} in the future). */
    EXPIRED,
    /** Algorithm not allowed, no or unknown key id, or a signature that does not verify. */
    SIGNATURE,
    /** Another issuer. */
    ISSUER,
    /** Not meant for this service. */
    AUDIENCE,
    /** A valid token without the scope the method needs. */
    SCOPE,
    /** The issuer's keys could not be fetched and none are cached. */
    KEYS_UNAVAILABLE,
    /** A token not seen before, past the budget of signature checks (503, {@link SignatureBudget}). */
    BUSY;

    /**
     * The metric label.
     *
     * @return e.g. {@code keys_unavailable}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
