package dev.switchboard.broker.extension;

import dev.switchboard.broker.spi.Presence;
import java.net.InetAddress;
import com.hivemq.extension.sdk.api.parameter.ClientBasedInput;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps each authenticated connection to its {@link ConnectionState}. The key is a random token
 * kept in the connection's attribute store (not the client id), so that a session takeover by the
 * same key, or a refused thief presenting a connected client's id, never touches the state of
 * another connection. Thread-safe.
 */
final class ConnectionRegistry implements Presence {

    static final String TOKEN_ATTRIBUTE = "dev.switchboard.connection";

    private final Map<String, ConnectionState> byToken = new ConcurrentHashMap<>();
    /** The latest connection of each client id (a takeover replaces the entry). */
    private final Map<String, ConnectionState> byClient = new ConcurrentHashMap<>();

    /** Registers a freshly authenticated connection and tags it with a new token. */
    @NotNull ConnectionState register(final @NotNull ClientBasedInput input,
                                      final @NotNull ConnectionState state) {
        final String token = UUID.randomUUID().toString();
        byToken.put(token, state);
        byClient.put(state.clientId(), state);
        input.getConnectionInformation().getConnectionAttributeStore()
                .putAsString(TOKEN_ATTRIBUTE, token, StandardCharsets.UTF_8);
        return state;
    }

    /**
     * Registers an anonymous client of the compatibility listener. It is not a peer: it is not
     * {@linkplain #isConnected connected} as far as the signaling rules go, has no rooms and no
     * address the relay would use.
     */
    @NotNull ConnectionState registerCompat(final @NotNull ClientBasedInput input,
                                            final @NotNull ConnectionState state) {
        final String token = UUID.randomUUID().toString();
        byToken.put(token, state);
        input.getConnectionInformation().getConnectionAttributeStore()
                .putAsString(TOKEN_ATTRIBUTE, token, StandardCharsets.UTF_8);
        return state;
    }

    /** @return the token of an authenticated connection, if it is one. */
    static @NotNull Optional<String> token(final @NotNull ClientBasedInput input) {
        return input.getConnectionInformation().getConnectionAttributeStore()
                .getAsString(TOKEN_ATTRIBUTE, StandardCharsets.UTF_8);
    }

    /** @return the state of the connection {@code input} belongs to, or null if not authenticated. */
    @Nullable ConnectionState get(final @NotNull ClientBasedInput input) {
        return token(input).map(byToken::get).orElse(null);
    }

    /** Removes and returns the state of a connection by token; null if already gone. */
    @Nullable ConnectionState remove(final @NotNull String token) {
        final ConnectionState state = byToken.remove(token);
        if (state != null) {
            byClient.remove(state.clientId(), state);
        }
        return state;
    }

    /**
     * @param clientId a verified client id.
     * @return whether some registered connection belongs to {@code clientId} (for example the new
     *     connection that took over a session).
     */
    @Override
    public boolean isConnected(final @NotNull String clientId) {
        return byClient.containsKey(clientId);
    }

    @Override
    public boolean isInRoom(final @NotNull String peerId, final @NotNull String roomId) {
        final ConnectionState state = byClient.get(peerId);
        return state != null && state.rooms().contains(roomId);
    }

    @Override
    public @Nullable InetAddress addressOf(final @NotNull String peerId) {
        final ConnectionState state = byClient.get(peerId);
        return state == null ? null : state.address();
    }

    int size() {
        return byToken.size();
    }

    /** @return distinct room presence topics subscribed by the registered connections; one pass */
    int roomCount() {
        final Set<String> rooms = new HashSet<>();
        for (final ConnectionState state : byToken.values()) {
            rooms.addAll(state.rooms());
        }
        return rooms.size();
    }
}
