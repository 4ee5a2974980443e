package dev.switchboard.node.access;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetAddress;

/**
 * Which country an address is in, for the country allow-list and the admin pages.
 * Implementations answer from memory (a memory-mapped database), are thread-safe and never throw
 * for an address: an address they cannot place answers {@code null}.
 */
@FunctionalInterface
public interface CountryLookup {

    /** Knows no country: the lookup used when no database is configured. */
    @NotNull CountryLookup NONE = address -> null;

    /**
     * @param address any address
     * @return its ISO 3166-1 alpha-2 country code in upper case (e.g. {@code SE}), or {@code null}
     *     when unknown (private and loopback addresses, addresses the database lacks)
     */
    @Nullable String country(@NotNull InetAddress address);
}
