package dev.switchboard.node.callee;

import java.nio.file.Path;
import java.time.Instant;

/**
 * The child process of {@link CalleeStoreCrashIT}: registers pairs as fast as it can from four
 * threads and prints {@code ack <calleeId> <secretHash>} for each the store acknowledged, until
 * it is killed.
 */
public final class CalleeStoreBurst {

    private CalleeStoreBurst() {
    }

    public static void main(final String[] args) throws Exception {
        final CalleeStore store = CalleeStore.open(Path.of(args[0]));
        final Runnable burst = () -> {
            for (int i = 0; i < 1_000_000; i++) {
                final Instant now = Instant.now();
                final CalleeRegistration r = new CalleeRegistration(CalleeRegistryTest.random(32),
                        CalleeRegistry.hashOf(CalleeRegistryTest.random(32)), "burst " + i, now, now);
                store.put(r).join();
                synchronized (System.out) {
                    System.out.println("ack " + r.calleeId() + " " + r.secretHash());
                    System.out.flush();
                }
            }
        };
        for (int t = 0; t < 4; t++) {
            new Thread(burst, "burst-" + t).start();
        }
    }
}
