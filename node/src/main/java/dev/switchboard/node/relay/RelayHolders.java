package dev.switchboard.node.relay;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jetbrains.annotations.NotNull;

/**
 * Who holds the relay's sessions, for operators: the session count of every peer id and every
 * source address that takes part in at least one (a session counts for a peer, and for its
 * address, once that peer opened or answered it). Largest first.
 *
 * @param byPeer    peer ids with their session counts
 * @param byAddress source addresses (textual IP) with their session counts
 */
public record RelayHolders(@NotNull List<Holder> byPeer, @NotNull List<Holder> byAddress) {

    /**
     * One holder.
     *
     * @param who      a peer id or an address
     * @param sessions how many sessions count against it
     */
    public record Holder(@NotNull String who, int sessions) {
    }

    public RelayHolders {
        byPeer = List.copyOf(byPeer);
        byAddress = List.copyOf(byAddress);
    }

    /**
     * @param byPeer    counts per peer id
     * @param byAddress counts per address, already textual
     * @return the view, each list sorted by count (largest first), then by name
     */
    public static @NotNull RelayHolders of(final @NotNull Map<String, Integer> byPeer,
                                           final @NotNull Map<String, Integer> byAddress) {
        return new RelayHolders(sorted(byPeer), sorted(byAddress));
    }

    private static List<Holder> sorted(final Map<String, Integer> counts) {
        return counts.entrySet().stream().map(e -> new Holder(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingInt(Holder::sessions).reversed().thenComparing(Holder::who))
                .toList();
    }
}
