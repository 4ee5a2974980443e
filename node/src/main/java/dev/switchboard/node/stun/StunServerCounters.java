package dev.switchboard.node.stun;

/**
 * A snapshot of the STUN service's counters since start.
 *
 * @param answered Binding requests answered with a success response
 * @param droppedMalformed datagrams dropped because they are not well-formed STUN (never answered)
 * @param ignored well-formed STUN messages dropped without answer: not a Binding request
 *     (indications, responses, other methods) or carrying an unknown comprehension-required
 *     attribute (we do not send 420 responses, which could exceed the request in size)
 */
public record StunServerCounters(long answered, long droppedMalformed, long ignored) {
}
