package dev.switchboard.node.access;

import dev.switchboard.broker.guard.AddressGate;
import dev.switchboard.node.config.NodeConfig;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * Who may reach the node at all: the IP allow-list ({@code access.allow}, CIDR, IPv4 and IPv6),
 * the country allow-list ({@code access.countries}, with a MaxMind database in
 * {@code access.geoipDatabase}) and the scanner blocking ({@code access.block},
 * {@link ScannerBlocker}). One instance serves the web server, the broker's listeners (as the
 * broker's {@link AddressGate}) and the STUN service, so a refusal is the same everywhere; every
 * refusal and every other bad attempt is recorded in {@link #events()} for the super-admin.
 *
 * <p>An address is admitted when it is not blocked, lies in one of the allowed networks (an empty
 * list allows every address), and, when countries are listed and a database is configured, the
 * database places it in one of them. An address the database cannot place is admitted by the
 * country rule only if it is a loopback, link-local or private address (RFC 1918, RFC 4193): the
 * people on the node's own network, whom no database knows; the IP rule still applies to them.
 *
 * <p>Thread-safe; the rules change at run time through {@link #update}. The checks answer from
 * memory and never block (the database is memory-mapped).
 */
public final class AccessControl implements AddressGate {

    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);

    /** The rules in force, replaced as one value on reload. */
    private record Rules(@NotNull List<Cidr> allow, @NotNull Set<String> countries, @NotNull CountryLookup lookup,
                         @Nullable Path database) {
    }

    private final ScannerBlocker blocker;
    private final AccessEvents events;
    private final UnaryOperator<InetAddress> countryAddress;
    private volatile Rules rules;

    /**
     * @param access         the {@code access} section
     * @param countryAddress maps a source address to the address looked up in the country
     *                       database: identity in production; tests map a loopback address to one
     *                       the test database knows (the test-only resolver seam)
     * @param nanoClock      monotonic nanoseconds, for the scanner windows
     * @param clock          wall clock, for the times the admin pages show
     */
    public AccessControl(final @NotNull NodeConfig.Access access, final @NotNull UnaryOperator<InetAddress> countryAddress,
                         final @NotNull LongSupplier nanoClock, final @NotNull Clock clock) {
        this.countryAddress = Objects.requireNonNull(countryAddress, "countryAddress");
        this.blocker = new ScannerBlocker(access.block(), nanoClock);
        this.events = new AccessEvents(clock);
        this.rules = rulesOf(access, null);
    }

    /**
     * Puts a reloaded {@code access} section in force. A changed database path is opened anew;
     * if it cannot be read, the error is logged and the country rule keeps the previous database.
     */
    public synchronized void update(final @NotNull NodeConfig.Access access) {
        blocker.setRules(access.block());
        rules = rulesOf(access, rules);
    }

    private static Rules rulesOf(final NodeConfig.Access access, final @Nullable Rules previous) {
        CountryLookup lookup = CountryLookup.NONE;
        final Path db = access.geoipDatabase();
        if (db != null) {
            if (previous != null && db.equals(previous.database())) {
                lookup = previous.lookup();
            } else {
                try {
                    lookup = GeoIpCountries.open(db);
                    LOG.info("country database {} loaded", db);
                } catch (final IOException e) {
                    LOG.error("{}; the country allow-list {}", e.getMessage(), previous != null
                            ? "keeps the previous database" : "cannot place any address");
                    lookup = previous != null ? previous.lookup() : CountryLookup.NONE;
                }
            }
        }
        if (previous != null && previous.lookup() != lookup && previous.lookup() instanceof GeoIpCountries old) {
            try {
                old.close();
            } catch (final IOException e) {
                LOG.debug("closing the old country database: {}", e.toString());
            }
        }
        return new Rules(List.copyOf(access.allow()), Set.copyOf(access.countries()), lookup, db);
    }

    /** @return the scanner blocking (counts and blocks) */
    public @NotNull ScannerBlocker blocker() {
        return blocker;
    }

    /** @return the bad attempts for the super-admin */
    public @NotNull AccessEvents events() {
        return events;
    }

    /**
     * @param address a source address
     * @return its country code from the configured database (after the test seam's mapping), or
     *     {@code null}
     */
    public @Nullable String country(final @NotNull InetAddress address) {
        return rules.lookup().country(countryAddress.apply(address));
    }

    /**
     * @param address a source address
     * @return whether the allow-lists and the scanner blocking let it in; records nothing
     */
    public boolean allowed(final @NotNull InetAddress address) {
        if (blocker.isBlocked(address)) {
            return false;
        }
        final Rules r = rules;
        if (!r.allow().isEmpty()) {
            boolean inside = false;
            for (final Cidr c : r.allow()) {
                if (c.contains(address)) {
                    inside = true;
                    break;
                }
            }
            if (!inside) {
                return false;
            }
        }
        if (!r.countries().isEmpty() && r.lookup() != CountryLookup.NONE) {
            final InetAddress looked = countryAddress.apply(address);
            final String country = r.lookup().country(looked);
            return country == null ? local(looked) : r.countries().contains(country);
        }
        return true;
    }

    /** Loopback, link-local, RFC 1918 or RFC 4193 (fc00::/7): addresses no country database knows. */
    static boolean local(final @NotNull InetAddress a) {
        if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()) {
            return true;
        }
        return a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc;
    }

    /**
     * The check for one connection or request: {@link #allowed}, and a refusal recorded for the
     * super-admin.
     *
     * @param address the source
     * @param where   which service refused, for the record ({@code web}, {@code broker}, {@code stun})
     * @return whether it may go on
     */
    public boolean admits(final @NotNull InetAddress address, final @NotNull String where) {
        if (allowed(address)) {
            return true;
        }
        events.record(AccessEvent.Kind.REFUSED_CONNECTION, address, country(address),
                where + (blocker.isBlocked(address) ? ": blocked as a scanner" : ": outside the allow-lists"));
        return false;
    }

    /** The broker's listeners: see {@link AddressGate#admits}. */
    @Override
    public boolean admits(final @NotNull InetAddress address) {
        return admits(address, "broker");
    }

    /** The broker's key proofs: counted for the scanner blocking and recorded. */
    @Override
    public void keyProofFailed(final @Nullable InetAddress address) {
        if (address == null) {
            return;
        }
        events.record(AccessEvent.Kind.FAILED_KEY_PROOF, address, country(address), "broker");
        blocked(address, blocker.failedProof(address), "failed key proofs");
    }

    /**
     * A web request for a path the node does not serve: counted for the scanner blocking and
     * recorded.
     *
     * @param path the requested path (untrusted; recorded shortened)
     */
    public void unknownPath(final @NotNull InetAddress address, final @NotNull String path) {
        events.record(AccessEvent.Kind.UNKNOWN_PATH, address, country(address), path);
        blocked(address, blocker.unknownPath(address), "unknown paths");
    }

    private void blocked(final InetAddress address, final ScannerBlocker.Outcome outcome, final String what) {
        if (outcome == ScannerBlocker.Outcome.BLOCKED_NOW) {
            events.record(AccessEvent.Kind.BLOCKED, address, country(address),
                    "too many " + what + ": refused for " + blocker.rules().blockFor());
            LOG.info("blocked an address for {} after too many {}", blocker.rules().blockFor(), what);
        }
    }
}
