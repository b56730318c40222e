package org.productservice.server;

import io.helidon.config.Config;

import static org.productservice.config.ConfigKeys.string;

/**
 * Everything the two listeners are built from, read and checked before anything starts.
 *
 * @param host             address the API listens on ({@code server.host}); Helidon reads {@code server.port}
 * @param limits           limits of the API listener and its requests
 * @param connections      connection limits of the API listener ({@code connections.*})
 * @param admin            the admin listener ({@code admin.*}, {@code observe.endpoint})
 * @param adminConnections connection limits of the admin listener ({@code admin.connections})
 */
public record ServerSettings(String host, LimitSettings limits, ConnectionSettings connections, AdminSettings admin,
                             ConnectionSettings adminConnections) {
    /**
     * Reads the settings and checks that both listeners' connection caps fit the open-files limit.
     *
     * @param root root configuration
     * @return settings
     * @throws IllegalArgumentException naming the key and its variable, when one is missing or invalid
     */
    public static ServerSettings create(Config root) {
        LimitSettings limits = LimitSettings.create(root);
        ConnectionSettings connections = ConnectionSettings.api(root);
        ConnectionSettings adminConnections = ConnectionSettings.admin(root);
        ConnectionSettings.checkFileDescriptors(connections, adminConnections);
        return new ServerSettings(string(root.get("server.host")), limits, connections, AdminSettings.create(root),
                                  adminConnections);
    }
}
