package dev.switchboard.node.udp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchedDatagramIo} on real loopback sockets, below the relay and the STUN service: what a
 * receive reports, how sends that the kernel refuses are marked while the rest still leave, and
 * the address cache.
 */
class BatchedDatagramIoIT {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private BatchedDatagramIo batch;
    private DatagramChannel socket;
    private DatagramChannel peer;

    @BeforeEach
    void open() throws IOException {
        assertTrue(BatchedDatagramIo.isAvailable(), "the build's library loads: " + BatchedDatagramIo.unavailableReason());
        batch = BatchedDatagramIo.create();
        socket = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(LOOPBACK, 0));
        socket.configureBlocking(false);
        peer = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(LOOPBACK, 0));
    }

    @AfterEach
    void close() throws IOException {
        batch.free();
        socket.close();
        peer.close();
    }

    /**
     * Receives on {@code fd} until a call brings datagrams, within {@link #WAIT}; the tests send
     * everything first, so that one call takes all that is queued.
     *
     * @return how many that call brought
     */
    private int receive(final int fd) {
        final int[] received = new int[1];
        await().atMost(WAIT).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    received[0] = batch.receive(fd);
                    assertTrue(received[0] > 0 || received[0] == -BatchedDatagramIo.EAGAIN, "errno " + -received[0]);
                    return received[0] > 0;
                });
        return received[0];
    }

    @Test
    void emptySocket_nothingWaiting() {
        final int fd = BatchedDatagramIo.fileDescriptor(socket);
        assertTrue(fd >= 0);
        assertFalse(BatchedDatagramIo.isIpv6Socket(fd));
        assertEquals(-BatchedDatagramIo.EAGAIN, batch.receive(fd));
    }

    @Test
    void receivedBatch_lengthsContentsAndOneSourceObject_thenSentBackFromTheirSlots() throws Exception {
        final InetSocketAddress target = (InetSocketAddress) socket.getLocalAddress();
        for (int i = 0; i < 10; i++) {
            peer.send(ByteBuffer.wrap(("datagram " + i).getBytes(StandardCharsets.US_ASCII)), target);
        }
        final int fd = BatchedDatagramIo.fileDescriptor(socket);
        final int n = receive(fd);
        assertEquals(10, n);
        final BatchedDatagramIo.AddressCache cache = new BatchedDatagramIo.AddressCache();
        final InetSocketAddress first = batch.source(0, cache);
        assertEquals(peer.getLocalAddress(), first);
        for (int i = 0; i < n; i++) {
            final ByteBuffer datagram = batch.datagram(i);
            assertNotNull(datagram);
            final byte[] bytes = new byte[datagram.remaining()];
            datagram.get(datagram.position(), bytes);
            assertEquals("datagram " + i, new String(bytes, StandardCharsets.US_ASCII));
            assertSame(first, batch.source(i, cache), "a repeated source is the cached object");
            batch.queue(i, i, bytes.length, first, cache);
        }
        assertEquals(n, batch.send(fd, false, n));
        peer.configureBlocking(true);
        for (int i = 0; i < n; i++) {
            assertFalse(batch.failed(i));
            final ByteBuffer back = ByteBuffer.allocate(100);
            assertEquals(target, peer.receive(back));
            assertEquals("datagram " + i, new String(Arrays.copyOf(back.array(), back.position()), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aRefusedDestination_isMarked_andTheDatagramsAfterItStillLeave() throws Exception {
        final InetSocketAddress target = (InetSocketAddress) socket.getLocalAddress();
        for (int i = 0; i < 3; i++) {
            peer.send(ByteBuffer.wrap(new byte[] {(byte) i, 1, 2, 3}), target);
        }
        final int fd = BatchedDatagramIo.fileDescriptor(socket);
        assertEquals(3, receive(fd));
        final BatchedDatagramIo.AddressCache cache = new BatchedDatagramIo.AddressCache();
        final InetSocketAddress back = (InetSocketAddress) peer.getLocalAddress();
        // an IPv6 destination from an IPv4 socket: the kernel refuses that one datagram
        final InetSocketAddress unreachable = new InetSocketAddress(InetAddress.getByName("::1"), back.getPort());
        batch.queue(0, 0, 4, back, cache);
        batch.queue(1, 1, 4, unreachable, cache);
        batch.queue(2, 2, 4, back, cache);
        assertEquals(3, batch.send(fd, false, 3), "every entry was tried");
        assertFalse(batch.failed(0));
        assertTrue(batch.failed(1));
        assertFalse(batch.failed(2));
        assertEquals(4, batch.queuedLength(1), "the length queued, for the caller's counters");
        peer.configureBlocking(true);
        for (final int expected : new int[] {0, 2}) {
            final ByteBuffer got = ByteBuffer.allocate(100);
            peer.receive(got);
            assertArrayEquals(new byte[] {(byte) expected, 1, 2, 3}, Arrays.copyOf(got.array(), got.position()));
        }
    }

    @Test
    void anIpv6Socket_sendsToEachDestinationQueued_asTheyAlternate() throws Exception {
        final InetAddress ipv6Loopback = InetAddress.getByName("::1");
        final DatagramChannel socket6;
        try {
            socket6 = DatagramChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress(ipv6Loopback, 0));
        } catch (final IOException e) {
            Assumptions.abort("no IPv6 loopback here: " + e);
            return;
        }
        try (socket6;
             DatagramChannel one = DatagramChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress(ipv6Loopback, 0));
             DatagramChannel two = DatagramChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress(ipv6Loopback, 0))) {
            socket6.configureBlocking(false);
            final InetSocketAddress target = (InetSocketAddress) socket6.getLocalAddress();
            for (int i = 0; i < 6; i++) {
                one.send(ByteBuffer.wrap(new byte[] {(byte) i}), target);
            }
            final int fd = BatchedDatagramIo.fileDescriptor(socket6);
            assertTrue(BatchedDatagramIo.isIpv6Socket(fd));
            final int n = receive(fd);
            assertEquals(6, n, "the six datagrams sent before the call");
            final BatchedDatagramIo.AddressCache cache = new BatchedDatagramIo.AddressCache();
            assertEquals(one.getLocalAddress(), batch.source(0, cache));
            final InetSocketAddress toOne = (InetSocketAddress) one.getLocalAddress();
            final InetSocketAddress toTwo = (InetSocketAddress) two.getLocalAddress();
            // a new destination object each time: every entry's 16 address bytes are encoded again
            for (int i = 0; i < n; i++) {
                final InetSocketAddress to = i % 2 == 0 ? toTwo : toOne;
                batch.queue(i, i, 1, new InetSocketAddress(to.getAddress(), to.getPort()), cache);
            }
            assertEquals(n, batch.send(fd, true, n));
            for (int i = 0; i < n; i++) {
                assertFalse(batch.failed(i), "entry " + i);
            }
            one.configureBlocking(true);
            two.configureBlocking(true);
            for (int i = 0; i < n; i++) {
                final ByteBuffer got = ByteBuffer.allocate(10);
                assertEquals(target, (i % 2 == 0 ? two : one).receive(got));
                assertArrayEquals(new byte[] {(byte) i}, Arrays.copyOf(got.array(), got.position()));
            }
        }
    }

    @Test
    void replyOverTheRequestsSlot_goesToTheRequestsSource() throws Exception {
        final InetSocketAddress target = (InetSocketAddress) socket.getLocalAddress();
        peer.send(ByteBuffer.wrap("question".getBytes(StandardCharsets.US_ASCII)), target);
        final int fd = BatchedDatagramIo.fileDescriptor(socket);
        assertEquals(1, receive(fd));
        batch.queueReply(0, 0, ByteBuffer.wrap("a longer answer".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1, batch.send(fd, false, 1));
        peer.configureBlocking(true);
        final ByteBuffer got = ByteBuffer.allocate(100);
        assertEquals(target, peer.receive(got));
        assertEquals("a longer answer", new String(Arrays.copyOf(got.array(), got.position()), StandardCharsets.US_ASCII));
    }
}
