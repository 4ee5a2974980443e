package dev.switchboard.node.relay;

/**
 * A relay's traffic since it started, over every session it ever opened (open and closed), so
 * that each count only grows. For metrics and the status command.
 *
 * @param openSessions    sessions open now (ports bound, handed out)
 * @param packets         datagrams forwarded, both directions
 * @param bytes           UDP payload bytes forwarded, both directions
 * @param droppedUnproven datagrams dropped because their source never proved itself (see
 *                        {@link RelayCounters#droppedUnproven()})
 * @param droppedOther    datagrams from proven sources that could not be forwarded (see
 *                        {@link RelayCounters#droppedOther()})
 */
public record RelayTotals(int openSessions, long packets, long bytes, long droppedUnproven, long droppedOther) {
}
