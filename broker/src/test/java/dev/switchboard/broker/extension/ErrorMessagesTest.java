package dev.switchboard.broker.extension;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ErrorMessagesTest {

    private static String error(final String payload) {
        return new String(ErrorMessages.error("bad-json", "say \"why\"", "sb/v1/inbox/x",
                payload.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void error_payloadWithTypeAndId_echoedInRef() {
        assertEquals("{\"v\":1,\"type\":\"error\",\"code\":\"bad-json\",\"message\":\"say \\\"why\\\"\","
                + "\"ref\":{\"topic\":\"sb/v1/inbox/x\",\"type\":\"offer\",\"id\":\"7\"}}",
                error("{\"type\":\"offer\",\"id\":\"7\",\"x\":[1]}"));
    }

    @Test
    void error_unparseableOrNonStringFields_refHasTopicOnly() {
        final String expected = "{\"v\":1,\"type\":\"error\",\"code\":\"bad-json\",\"message\":"
                + "\"say \\\"why\\\"\",\"ref\":{\"topic\":\"sb/v1/inbox/x\"}}";
        assertEquals(expected, error("not json {"));
        assertEquals(expected, error(""));
        assertEquals(expected, error("[1,2]"));
        assertEquals(expected, error("{\"type\":5,\"id\":{}}"));
    }
}
