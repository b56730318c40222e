package org.productservice.product;

/** The product exists but not at the version the client's If-Match named. */
public final class VersionMismatchException extends RuntimeException {
    private final long currentVersion;

    VersionMismatchException(String id, long currentVersion) {
        super("Product " + id + " is at version " + currentVersion, null, false, false);
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
