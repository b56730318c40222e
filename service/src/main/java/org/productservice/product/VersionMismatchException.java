package org.productservice.product;

import java.util.List;
import java.util.Map;

import io.helidon.http.Status;

import org.productservice.http.ProblemException;

/** The product exists but not at the version the client's If-Match named: a 412. */
public final class VersionMismatchException extends ProblemException {
    private final long currentVersion;

    VersionMismatchException(String id, long currentVersion) {
        super(Status.PRECONDITION_FAILED_412,
              "The product has changed: it is at version " + currentVersion
                      + " (ETag \"" + currentVersion + "\"). Read it again and retry.",
              List.of(), Map.of());
        this.currentVersion = currentVersion;
    }

    /**
     * The version now stored.
     *
     * @return current version
     */
    public long currentVersion() {
        return currentVersion;
    }
}
