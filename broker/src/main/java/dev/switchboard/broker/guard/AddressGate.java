package dev.switchboard.broker.guard;

import java.net.InetAddress;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The node's say on who may reach the broker at all, by source address: its IP and country
 * allow-lists and its scanner blocking. The broker knows nothing of those rules; the node hands
 * its implementation in through {@code BrokerSettings.addressGate}, as it does with the signaling
 * interceptor, so {@code broker} never depends on {@code node}.
 *
 * <p>The broker asks {@link #admits} for every connection its listeners accept (TCP and
 * WebSocket), before any byte is read, and closes a refused connection at once: a refused source
 * sees a connection that is closed without an answer, the same as a port that speaks no MQTT. It
 * tells {@link #keyProofFailed} about every failed {@code sb-key-v1} proof, so that the node can
 * block an address that keeps guessing.
 *
 * <p>Threading: {@link #admits} runs on the listener's accept event loop and
 * {@link #keyProofFailed} on the extension executor; both must be thread-safe, quick and must
 * never block (answer from memory).
 */
public interface AddressGate {

    /** Admits everyone and ignores failed proofs: the default when the node sets no gate. */
    @NotNull AddressGate OPEN = new AddressGate() {
        @Override
        public boolean admits(final @NotNull InetAddress address) {
            return true;
        }
    };

    /**
     * @param address the source address of a connection just accepted
     * @return whether it may go on; {@code false} closes it before anything is read
     */
    boolean admits(@NotNull InetAddress address);

    /**
     * A client from {@code address} failed its key proof (bad signature, wrong method, a client id
     * that is not its key's, an expired or missing challenge). The default ignores it.
     *
     * @param address the connection's source address, or {@code null} when unknown
     */
    default void keyProofFailed(final @Nullable InetAddress address) {
    }
}
