package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Verdict;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MessageCountersTest {

    @Test
    void count_typeAndVerdict_eachCellApart() {
        final MessageCounters counters = new MessageCounters();
        counters.count(MessageType.OFFER, Verdict.rewrite(new byte[0]));
        counters.count(MessageType.OFFER, Verdict.rewrite(new byte[0]));
        counters.count(MessageType.CANDIDATE, Verdict.drop());
        counters.count(MessageType.JOIN, Verdict.forward());
        counters.count(null, Verdict.reject("bad-json", "x"));
        final List<String> labels = Arrays.asList(MessageCounters.typeLabels());
        assertEquals(List.of("join", "leave", "hello", "offer", "answer", "candidate", "hangup", "error",
                        "call", "accept", "decline", "capabilities-query", "capabilities", "register", "lobby-request",
                        "lobby-cancel", "invalid"),
                labels);
        assertEquals(2, counters.count(labels.indexOf("offer"), MessageCounters.VerdictKind.REWRITE));
        assertEquals(0, counters.count(labels.indexOf("offer"), MessageCounters.VerdictKind.FORWARD));
        assertEquals(1, counters.count(labels.indexOf("candidate"), MessageCounters.VerdictKind.DROP));
        assertEquals(1, counters.count(labels.indexOf("join"), MessageCounters.VerdictKind.FORWARD));
        assertEquals(1, counters.count(labels.indexOf("invalid"), MessageCounters.VerdictKind.REJECT));
    }
}
