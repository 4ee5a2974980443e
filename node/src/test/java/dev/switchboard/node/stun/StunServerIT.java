package dev.switchboard.node.stun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.node.config.NodeConfig;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StunServerIT {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** turnutils_stunclient prints e.g. "0: : IPv4. UDP reflexive addr: 127.0.0.1:54630". */
    private static final Pattern REFLEXIVE = Pattern.compile("UDP reflexive addr: ([0-9.]+):(\\d+)");

    private final List<InetSocketAddress> answered = new CopyOnWriteArrayList<>();
    private StunServer server;

    @BeforeEach
    void start() {
        server = StunServer.start(new NodeConfig.Stun(LOOPBACK, 0), answered::add, a -> true,
                Math.min(Runtime.getRuntime().availableProcessors(), StunServer.MAX_SOCKETS), batched());
    }

    /**
     * @return whether this run's servers read and answer in batches (recvmmsg/sendmmsg);
     *     {@link StunServerJdkPathIT} runs every test here again with one system call per datagram
     */
    boolean batched() {
        return true;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void turnutilsStunclient_getsItsOwnSourceAddressBack() throws Exception {
        final int port = server.localAddress().getPort();
        assertNotEquals(0, port);
        final Process process = new ProcessBuilder("/usr/bin/turnutils_stunclient", "-p", Integer.toString(port), "127.0.0.1")
                .redirectErrorStream(true).start();
        final boolean exited = process.waitFor(20, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(exited, "turnutils_stunclient did not finish: " + output);
        assertEquals(0, process.exitValue(), output);
        final Matcher m = REFLEXIVE.matcher(output);
        assertTrue(m.find(), "no reflexive address in: " + output);
        final InetSocketAddress printed = new InetSocketAddress(InetAddress.getByName(m.group(1)), Integer.parseInt(m.group(2)));
        assertEquals(LOOPBACK, printed.getAddress());
        // the address it printed is exactly the socket address the client sent from, as seen by the server
        assertTrue(answered.contains(printed), "printed " + printed + ", answered " + answered);
        assertTrue(server.counters().answered() >= 1);
        assertEquals(0, server.counters().droppedMalformed());
    }

    @Test
    void garbageThenValidRequest_garbageCountedValidAnswered() throws IOException {
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            client.setSoTimeout(5000);
            final InetSocketAddress target = server.localAddress();
            final byte[][] garbage = {
                    "hello".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {0x16, (byte) 0xfe, (byte) 0xfd},
                    new byte[64],
                    java.util.Arrays.copyOf(Rfc5769Vectors.SAMPLE_REQUEST, 40)};
            for (final byte[] g : garbage) {
                client.send(new DatagramPacket(g, g.length, target));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.counters().droppedMalformed() == garbage.length);

            final byte[] tid = StunMessageBuilder.newTransactionId();
            final byte[] request = new StunMessageBuilder(Stun.BINDING_REQUEST, tid).fingerprint().build();
            client.send(new DatagramPacket(request, request.length, target));
            final DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
            client.receive(reply); // the garbage produced no reply, so this is the response
            final StunMessage response = StunDecoder.decode(reply.getData(), 0, reply.getLength()).messageOrNull();
            assertEquals(Stun.BINDING_SUCCESS_RESPONSE, response.messageType());
            assertEquals(client.getLocalSocketAddress(), response.xorMappedAddress());
            assertTrue(response.verifyFingerprint());
            assertEquals(new StunServerCounters(1, garbage.length, 0), server.counters());
            assertEquals(List.of(client.getLocalSocketAddress()), answered);
        }
    }

    /**
     * The service's other socket kinds: bound to the wildcard (dual-stack IPv6 sockets that see an
     * IPv4 client as an IPv4-mapped address, as a node on {@code 0.0.0.0} runs) and to the IPv6
     * loopback. In this test's loopback-only network namespace the wildcard reaches nothing but
     * loopback.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"0.0.0.0, 127.0.0.1", "::1, ::1"})
    void dualStackAndIpv6Sockets_answerWithTheClientsOwnAddress(final String bind, final String clientHost)
            throws IOException {
        try (StunServer other = StunServer.start(new NodeConfig.Stun(InetAddress.getByName(bind), 0), answered::add,
                a -> true, 2, batched());
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(clientHost), 0))) {
            client.setSoTimeout(5000);
            final InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(clientHost),
                    other.localAddress().getPort());
            for (int i = 0; i < 5; i++) {
                final byte[] tid = StunMessageBuilder.newTransactionId();
                final byte[] request = new StunMessageBuilder(Stun.BINDING_REQUEST, tid).fingerprint().build();
                client.send(new DatagramPacket(request, request.length, target));
                final DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
                client.receive(reply);
                final StunMessage response = StunDecoder.decode(reply.getData(), 0, reply.getLength()).messageOrNull();
                assertEquals(Stun.BINDING_SUCCESS_RESPONSE, response.messageType());
                assertTrue(Arrays.equals(tid, response.transactionId()));
                assertEquals(client.getLocalSocketAddress(), response.xorMappedAddress());
            }
            assertEquals(new StunServerCounters(5, 0, 0), other.counters());
        }
    }

    @Test
    void burstsFromManySources_eachRequestAnsweredToItsOwnSource_oversizedAndRefusedOnesSilent() throws IOException {
        final java.util.Set<InetAddress> refused = java.util.Set.of(InetAddress.getByName("127.0.0.3"));
        try (StunServer one = StunServer.start(new NodeConfig.Stun(LOOPBACK, 0), answered::add,
                a -> !refused.contains(a), 1, batched())) {
            final InetSocketAddress target = one.localAddress();
            final List<DatagramSocket> clients = new ArrayList<>();
            try {
                // 20 sources (two of them refused) send 3 requests each, all before any answer is read:
                // one socket's receive calls see many sources interleaved
                for (int i = 0; i < 20; i++) {
                    final String host = i % 10 == 3 ? "127.0.0.3" : "127.0.0." + (1 + i % 2);
                    final DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
                    client.setSoTimeout(5000);
                    clients.add(client);
                }
                final List<List<byte[]>> sentIds = new ArrayList<>();
                for (final DatagramSocket client : clients) {
                    sentIds.add(new ArrayList<>());
                }
                for (int round = 0; round < 3; round++) {
                    for (int c = 0; c < clients.size(); c++) {
                        final byte[] tid = StunMessageBuilder.newTransactionId();
                        final byte[] request = new StunMessageBuilder(Stun.BINDING_REQUEST, tid).fingerprint().build();
                        clients.get(c).send(new DatagramPacket(request, request.length, target));
                        sentIds.get(c).add(tid);
                    }
                    final byte[] oversized = Arrays.copyOf(new StunMessageBuilder(Stun.BINDING_REQUEST,
                            StunMessageBuilder.newTransactionId()).fingerprint().build(), 1_600);
                    clients.get(0).send(new DatagramPacket(oversized, oversized.length, target));
                }
                for (int c = 0; c < clients.size(); c++) {
                    final DatagramSocket client = clients.get(c);
                    if (refused.contains(client.getLocalAddress())) {
                        continue;
                    }
                    for (final byte[] tid : sentIds.get(c)) {
                        final DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
                        client.receive(reply);
                        final StunMessage response = StunDecoder.decode(reply.getData(), 0, reply.getLength()).messageOrNull();
                        assertEquals(Stun.BINDING_SUCCESS_RESPONSE, response.messageType());
                        assertTrue(Arrays.equals(tid, response.transactionId()), "answers in the order asked");
                        assertEquals(client.getLocalSocketAddress(), response.xorMappedAddress());
                        assertEquals(target, reply.getSocketAddress());
                    }
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> one.counters().droppedMalformed() == 3);
                assertEquals(new StunServerCounters(18 * 3, 3, 0), one.counters());
                // every datagram that arrived is counted above: nothing went to the refused sources
                for (final DatagramSocket client : clients) {
                    if (refused.contains(client.getLocalAddress())) {
                        client.setSoTimeout(200);
                        assertThrows(java.net.SocketTimeoutException.class,
                                () -> client.receive(new DatagramPacket(new byte[1500], 1500)));
                    }
                }
            } finally {
                clients.forEach(DatagramSocket::close);
            }
        }
    }

    @Test
    void manySources_spreadOverTheSocketsOfOnePort_eachAnsweredFromThePortItAsked() throws IOException {
        try (StunServer shared = StunServer.start(new NodeConfig.Stun(LOOPBACK, 0), answered::add, a -> true, 2, batched())) {
            final InetSocketAddress target = shared.localAddress();
            final int sources = 32;
            final List<DatagramSocket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < sources; i++) {
                    final DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
                    client.setSoTimeout(5000);
                    clients.add(client);
                }
                for (final DatagramSocket client : clients) {
                    final byte[] request = new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId())
                            .fingerprint().build();
                    client.send(new DatagramPacket(request, request.length, target));
                    final DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
                    client.receive(reply);
                    // from the port the client asked, whichever socket of it took the request
                    assertEquals(target, reply.getSocketAddress());
                    final StunMessage response = StunDecoder.decode(reply.getData(), 0, reply.getLength()).messageOrNull();
                    assertEquals(Stun.BINDING_SUCCESS_RESPONSE, response.messageType());
                    assertEquals(client.getLocalSocketAddress(), response.xorMappedAddress());
                }
            } finally {
                clients.forEach(DatagramSocket::close);
            }
            assertEquals(new StunServerCounters(sources, 0, 0), shared.counters());
            final long[] perSocket = shared.answeredPerSocket();
            assertEquals(2, perSocket.length);
            // the kernel hashes each source to one socket: 32 sources all on one of two is a 2^-31 chance
            assertTrue(perSocket[0] > 0 && perSocket[1] > 0, Arrays.toString(perSocket));
        }
    }

    @Test
    void portAnotherProcessHolds_startFailsInsteadOfSharingIt() throws IOException {
        try (DatagramChannel other = DatagramChannel.open(StandardProtocolFamily.INET)) {
            other.setOption(StandardSocketOptions.SO_REUSEPORT, true); // as a second node of the same user would
            other.bind(new InetSocketAddress(LOOPBACK, 0));
            final int port = ((InetSocketAddress) other.getLocalAddress()).getPort();
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> StunServer.start(new NodeConfig.Stun(LOOPBACK, port), answered::add, a -> true, 2, batched()));
            assertTrue(e.getMessage().contains(Integer.toString(port)), e.getMessage());
        }
    }
}
