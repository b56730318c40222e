package org.productservice.auth;

import java.util.Optional;

import io.helidon.webserver.http.ServerRequest;

/**
 * Who is calling: the claim {@code auth.claims.principal} names ({@code sub} by default, then
 * {@code client_id} for client-credentials tokens without one; {@code azp} names the client in
 * Keycloak). Set in the request's context by {@link Authentication}; handlers read it here and
 * never look at the Authorization header themselves.
 *
 * @param name the principal's name
 */
public record Principal(String name) {

    /**
     * The principal of a request.
     *
     * @param req the request
     * @return the principal, empty when authentication is off
     */
    public static Optional<Principal> of(ServerRequest req) {
        return req.context().get(Principal.class);
    }

    /**
     * The principal's name of a request, for the access log.
     *
     * @param req the request
     * @return name, empty when authentication is off or the request was refused
     */
    public static Optional<String> nameOf(ServerRequest req) {
        return of(req).map(Principal::name);
    }
}
