package dev.switchboard.node.relay;

/**
 * A snapshot of one relay session's counters. "A to B" is what peer A sent (to port pB) and the
 * relay forwarded to B (from port pA).
 *
 * @param packetsAtoB datagrams forwarded from A to B
 * @param bytesAtoB UDP payload bytes forwarded from A to B
 * @param packetsBtoA datagrams forwarded from B to A
 * @param bytesBtoA UDP payload bytes forwarded from B to A
 * @param droppedUnproven datagrams from sources that never proved themselves (neither a valid ICE
 *     check for this session nor a recent answer from our STUN service), or that are only
 *     STUN-proven while their side already has an ICE-proven address
 * @param droppedOther datagrams from proven sources that could not be forwarded: the other side
 *     has no proven address yet, or its socket's send buffer was full
 */
public record RelayCounters(long packetsAtoB, long bytesAtoB, long packetsBtoA, long bytesBtoA,
                            long droppedUnproven, long droppedOther) {
}
