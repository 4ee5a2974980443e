package dev.switchboard.node.access;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The recent bad attempts for the super-admin's page: a bounded list, newest last. Attempts of the
 * same kind from the same address within a minute (a flood of datagrams from a blocked address,
 * say) become one entry whose count grows, so one noisy source cannot push everyone else's attempts out.
 *
 * <p>Thread-safe (one lock; recording is a few map operations, never I/O).
 */
public final class AccessEvents {

    /** Most entries kept; older ones are dropped. */
    public static final int CAPACITY = 500;
    /** Text in {@link AccessEvent#detail()} is cut to this many characters. */
    static final int MAX_DETAIL = 80;
    /** Attempts of one kind from one address within this long of its entry's time join that entry. */
    static final Duration COALESCE = Duration.ofMinutes(1);

    private final Clock clock;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final Map<String, Entry> latest = new HashMap<>();

    /** @param clock the wall clock for the entries' times */
    public AccessEvents(final @NotNull Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records one bad attempt, or adds it to the newest entry of the same kind and address.
     *
     * @param detail untrusted text; control characters are replaced and it is shortened
     */
    public synchronized void record(final @NotNull AccessEvent.Kind kind, final @Nullable InetAddress address,
                                    final @Nullable String country, final @NotNull String detail) {
        final String key = kind.label() + ' ' + address + ' ' + (kind == AccessEvent.Kind.UNKNOWN_PATH
                || kind == AccessEvent.Kind.REFUSED_CONNECTION || kind == AccessEvent.Kind.FAILED_KEY_PROOF
                ? "" : detail);
        final Instant now = clock.instant();
        final Entry last = latest.get(key);
        if (last != null && Duration.between(last.event.time(), now).compareTo(COALESCE) < 0) {
            last.count++;
            return;
        }
        final Entry entry = new Entry(new AccessEvent(now, kind, address, country, clean(detail), 1));
        entries.addLast(entry);
        latest.put(key, entry);
        while (entries.size() > CAPACITY) {
            final Entry dropped = entries.pollFirst();
            latest.values().remove(dropped);
        }
    }

    /** @return the entries, oldest first */
    public synchronized @NotNull List<AccessEvent> snapshot() {
        final List<AccessEvent> out = new ArrayList<>(entries.size());
        for (final Entry e : entries) {
            final AccessEvent v = e.event;
            out.add(new AccessEvent(v.time(), v.kind(), v.address(), v.country(), v.detail(), e.count));
        }
        return out;
    }

    static @NotNull String clean(final @NotNull String text) {
        final StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_DETAIL));
        for (int i = 0; i < text.length() && b.length() < MAX_DETAIL; i++) {
            final char c = text.charAt(i);
            b.append(Character.isISOControl(c) || Character.getType(c) == Character.FORMAT ? '\uFFFD' : c);
        }
        return b.length() < text.length() ? b + "…" : b.toString();
    }

    private static final class Entry {
        final AccessEvent event;
        long count = 1;

        Entry(final AccessEvent event) {
            this.event = event;
        }
    }
}
