package dev.switchboard.broker.extension;

import java.net.InetAddress;
import java.util.regex.Pattern;

import com.hivemq.extension.sdk.api.auth.EnhancedAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthConnectInput;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.packets.general.DisconnectedReasonCode;
import dev.switchboard.broker.CompatListener;
import dev.switchboard.broker.guard.PublishRateLimiter;
import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets anonymous MQTT 3.1.1 and 5 clients in on the compatibility listener ({@link CompatListener},
 * docs/protocol.md §12), and nobody else: a CONNECT that names an authentication method (such a
 * client wants the key login of the normal listeners, which this listener does not offer) is
 * refused with 0x8C Bad authentication method, and a client id shaped like a peer id (43 base64url
 * characters) with 0x85 Client Identifier not valid, so an anonymous client can never take over
 * the MQTT session of a peer. User name and password are ignored (libraries send public
 * placeholders such as {@code public:public}). One instance per connection; HiveMQ calls it on
 * one thread at a time.
 */
final class CompatAuthenticator implements EnhancedAuthenticator {

    private static final Logger log = LoggerFactory.getLogger(CompatAuthenticator.class);
    private static final Pattern PEER_ID_SHAPE = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final CompatListener listener;
    private final ConnectionRegistry registry;
    private final CompatAddresses addresses;
    private final AuthCounters counters;

    CompatAuthenticator(final @NotNull CompatListener listener, final @NotNull ConnectionRegistry registry,
                        final @NotNull CompatAddresses addresses, final @NotNull AuthCounters counters) {
        this.listener = listener;
        this.registry = registry;
        this.addresses = addresses;
        this.counters = counters;
    }

    @Override
    public void onConnect(final @NotNull EnhancedAuthConnectInput input, final @NotNull EnhancedAuthOutput out) {
        final ConnectPacket connect = input.getConnectPacket();
        final String clientId = connect.getClientId();
        if (connect.getAuthenticationMethod().isPresent()) {
            refuse(out, clientId, DisconnectedReasonCode.BAD_AUTHENTICATION_METHOD,
                    "the compatibility listener is anonymous: no authentication method");
            return;
        }
        if (PEER_ID_SHAPE.matcher(clientId).matches()) {
            refuse(out, clientId, DisconnectedReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "client ids shaped like Switchboard peer ids are not allowed here");
            return;
        }
        final InetAddress address = input.getConnectionInformation().getInetAddress().orElse(null);
        registry.registerCompat(input, ConnectionState.compat(clientId, address,
                new PublishRateLimiter(listener.perClient(), System.nanoTime()), addresses.acquire(address)));
        log.debug("Anonymous compatibility client {} connected", clientId);
        out.authenticateSuccessfully();
    }

    @Override
    public void onAuth(final @NotNull EnhancedAuthInput input, final @NotNull EnhancedAuthOutput out) {
        refuse(out, input.getClientInformation().getClientId(), DisconnectedReasonCode.BAD_AUTHENTICATION_METHOD,
                "the compatibility listener is anonymous: no AUTH exchange");
    }

    private void refuse(final EnhancedAuthOutput out, final String who, final DisconnectedReasonCode code,
                        final String reason) {
        log.debug("Refused compatibility client {}: {} ({})", who, reason, code);
        counters.failure();
        out.failAuthentication(code, reason);
    }
}
