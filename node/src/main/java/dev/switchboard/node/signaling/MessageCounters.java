package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Verdict;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.concurrent.atomic.LongAdder;

/**
 * Signaling messages inspected since start, by {@link MessageType} and verdict. A message that did
 * not validate counts under type {@code invalid} (its type may be unknown) with verdict
 * {@code reject}.
 *
 * <p>Thread-safe: {@link #count} is one {@link LongAdder} increment without allocation (it runs in
 * the broker's publish path); {@link #count(String, VerdictKind)} reads may come from any thread.
 */
public final class MessageCounters {

    /** The verdict classes, as labels. */
    public enum VerdictKind {
        FORWARD("forward"), REWRITE("rewrite"), DROP("drop"), REJECT("reject");

        private final String label;

        VerdictKind(final String label) {
            this.label = label;
        }

        /** @return the lower-case label, e.g. {@code forward} */
        public @NotNull String label() {
            return label;
        }

        static @NotNull VerdictKind of(final @NotNull Verdict verdict) {
            if (verdict instanceof Verdict.Forward) {
                return FORWARD;
            }
            if (verdict instanceof Verdict.Rewrite) {
                return REWRITE;
            }
            if (verdict instanceof Verdict.Drop) {
                return DROP;
            }
            return REJECT;
        }
    }

    /** The label of messages that did not validate. */
    public static final String INVALID = "invalid";

    private static final MessageType[] TYPES = MessageType.values();
    private static final VerdictKind[] KINDS = VerdictKind.values();

    /** [type ordinal, or TYPES.length for invalid][verdict kind ordinal] */
    private final LongAdder[][] counts = new LongAdder[TYPES.length + 1][KINDS.length];

    public MessageCounters() {
        for (final LongAdder[] row : counts) {
            for (int k = 0; k < row.length; k++) {
                row[k] = new LongAdder();
            }
        }
    }

    /**
     * @param type    the message's type, or {@code null} for a message that did not validate
     * @param verdict what the node decided
     */
    void count(final @Nullable MessageType type, final @NotNull Verdict verdict) {
        counts[type == null ? TYPES.length : type.ordinal()][VerdictKind.of(verdict).ordinal()].increment();
    }

    /** @return the type labels in a stable order: every {@link MessageType}'s wire name, then {@code invalid} */
    public static @NotNull String[] typeLabels() {
        final String[] labels = new String[TYPES.length + 1];
        for (int t = 0; t < TYPES.length; t++) {
            labels[t] = TYPES[t].wireName();
        }
        labels[TYPES.length] = INVALID;
        return labels;
    }

    /**
     * @param typeIndex an index into {@link #typeLabels()}
     * @param kind      the verdict class
     * @return how many such messages there were since start
     */
    public long count(final int typeIndex, final @NotNull VerdictKind kind) {
        return counts[typeIndex][kind.ordinal()].sum();
    }
}
