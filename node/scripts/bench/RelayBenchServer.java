import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.relay.PortRange;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.RelayTotals;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.relay.udp.UdpRelay;
import dev.switchboard.node.stun.StunServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Switchboard side of the relay and STUN benchmarks (node/scripts/bench): the node's STUN
 * service and UDP relay, wired as Node wires them (one ProvenAddresses shared by both, the
 * default relay event loops), with N relay sessions opened through the relay's interface
 * ({@code Relay.open}, what the signaling service calls for an offer). Run with the launcher's JVM
 * options against the built jar:
 *
 * <pre>java OPTIONS -cp 'switchboard.jar:lib/*' RelayBenchServer.java FIRST_PORT STUN_PORT SESSIONS</pre>
 *
 * Prints one JSON line with the STUN port and each session's ports [pA, pB] (A sends to pB, B to
 * pA); then answers "stats" on stdin with one JSON line (relay packets and drops, STUN answers,
 * bytes allocated by the relay and STUN I/O threads from the JVM's per-thread allocation counters,
 * the same counters JFR's ThreadAllocationStatistics reads, GC count and time) and stops at "quit".
 */
public final class RelayBenchServer {
    public static void main(final String[] args) throws Exception {
        final int first = Integer.parseInt(args[0]);
        final int stunPort = Integer.parseInt(args[1]);
        final int sessions = Integer.parseInt(args[2]);
        final InetAddress loopback = InetAddress.getByName("127.0.0.1");
        final ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(2), 16_384);
        final StunServer stun = StunServer.start(new NodeConfig.Stun(loopback, stunPort), proven::markProven);
        final UdpRelay relay = new UdpRelay(new NodeConfig.Relay(loopback, loopback,
                new PortRange(first, first + 2 * sessions + 9), sessions, sessions, Duration.ofMinutes(10),
                sessions, Duration.ofMinutes(10), true), proven);
        final StringBuilder out = new StringBuilder("{\"stun\":" + stun.localAddress().getPort() + ",\"sessions\":[");
        final List<RelaySession> open = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            final RelaySession s = relay.open(SessionKey.of("bench", "a" + i, "b" + i), "a" + i, loopback, "b" + i)
                    .get(10, TimeUnit.SECONDS);
            // the answer's side joins, as the signaling service does when b answers: a session only its
            // opener took part in is half-open and closed after relay.halfOpenTimeout
            relay.open(SessionKey.of("bench", "a" + i, "b" + i), "b" + i, loopback, "a" + i).get(10, TimeUnit.SECONDS);
            open.add(s);
            out.append(i == 0 ? "" : ",").append('[').append(s.advertisedAddress("a" + i).getPort()).append(',')
                    .append(s.advertisedAddress("b" + i).getPort()).append(']');
        }
        System.out.println(out.append("]}"));
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
            if (line.equals("stats")) {
                final RelayTotals t = relay.totals();
                long gcCount = 0;
                long gcMillis = 0;
                for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                    gcCount += Math.max(0, gc.getCollectionCount());
                    gcMillis += Math.max(0, gc.getCollectionTime());
                }
                System.out.println("{\"relayPackets\":" + t.packets() + ",\"relayDroppedUnproven\":" + t.droppedUnproven()
                        + ",\"relayDroppedOther\":" + t.droppedOther() + ",\"stunAnswered\":" + stun.counters().answered()
                        + ",\"allocRelay\":" + allocated("relay-\\d+-\\d+") + ",\"allocStun\":" + allocated("stun-\\d+-\\d+")
                        + ",\"gcCount\":" + gcCount + ",\"gcMillis\":" + gcMillis + "}");
                System.out.flush();
            }
        }
        relay.close();
        stun.close();
    }

    /** Bytes allocated so far by the live threads whose names match {@code pattern}. */
    private static long allocated(final String pattern) {
        final com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().matches(pattern)) {
                sum += Math.max(0, mx.getThreadAllocatedBytes(t.getId()));
            }
        }
        return sum;
    }
}
