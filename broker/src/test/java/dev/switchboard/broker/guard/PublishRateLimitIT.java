package dev.switchboard.broker.guard;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.BrokerSettings;
import dev.switchboard.broker.EmbeddedBroker;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.broker.identity.KeyProof;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client's publish budget on a real broker: over it, refused and told; far over it, disconnected. */
class PublishRateLimitIT {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String HELLO = "{\"v\":1,\"type\":\"hi\"}";

    @TempDir
    Path dir;

    @Test
    void overBudget_refusedWithQuotaExceeded_farOver_disconnectedWithMessageRateTooHigh() throws Exception {
        // The payload is never checked here: FORWARD_ALL is the node's stand-in.
        try (EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.builder().nodeId("rate-test")
                .tcpBindAddress(LOOPBACK).tcpPort(0).webSocketBindAddress(LOOPBACK).webSocketPort(-1)
                .publishLimits(new PublishLimits(1, 5, 64 * 1024, 64 * 1024, 10, Duration.ofSeconds(60)))
                .workFolder(dir.resolve("work")).build());
             TestPeer flooder = new TestPeer(); TestPeer other = new TestPeer(); TestPeer receiver = new TestPeer()) {
            broker.start();
            final CompletableFuture<Integer> disconnectReason = new CompletableFuture<>();
            assertFalse(flooder.tryConnect(flooder.builder(broker.tcpPort()).addDisconnectedListener(ctx -> {
                if (ctx.getCause() instanceof Mqtt5DisconnectException d) {
                    disconnectReason.complete(d.getMqttMessage().getReasonCode().getCode());
                }
            }), flooder.id, KeyProof.METHOD, flooder.spki, TestPeer.HONEST).getReasonCode().isError());
            other.connect(broker.tcpPort());
            receiver.connect(broker.tcpPort());
            assertEquals(1, flooder.subscribe(flooder.inbox()));
            assertEquals(1, receiver.subscribe(receiver.inbox()));

            for (int i = 0; i < 5; i++) {
                assertEquals(0, flooder.publish(receiver.inbox(), HELLO).code(), "message " + i + " is within the burst");
            }
            final TestPeer.Ack refused = flooder.publish(receiver.inbox(), HELLO);
            assertEquals(0x97, refused.code(), "MQTT 5 PUBACK 0x97 Quota exceeded");
            assertEquals("rate-limited", refused.reason());
            final Mqtt5Publish error = flooder.next(flooder.inbox());
            assertNotNull(error, "the client is told why");
            assertTrue(new String(error.getPayloadAsBytes(), StandardCharsets.UTF_8).contains("\"code\":\"rate-limited\""));

            // Someone else's budget is their own.
            assertEquals(0, other.publish(receiver.inbox(), HELLO).code());

            // Keep going: after 10 refusals in the window, the flooder is disconnected.
            for (int i = 0; i < 30 && !disconnectReason.isDone(); i++) {
                flooder.publishNoWait(receiver.inbox(), HELLO);
            }
            assertEquals(0x96, disconnectReason.get(10, TimeUnit.SECONDS), "MQTT 5 DISCONNECT 0x96 Message rate too high");
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.refusals().count(RefusalReason.RATE_DISCONNECTED) == 1);
            assertTrue(broker.refusals().count(RefusalReason.RATE_LIMITED) >= 10);
            assertEquals(0, other.publish(receiver.inbox(), HELLO).code(), "the others keep publishing");
        }
    }
}
