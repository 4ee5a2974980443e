package dev.switchboard.broker.topic;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicsTest {

    static final String ID = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ012-_9Z"; // 43 chars

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("sb/v1/node/info", Topic.NodeInfo.INSTANCE),
                Arguments.of("sb/v1/inbox/" + ID, new Topic.Inbox(ID)),
                Arguments.of("sb/v1/room/" + ID + "/presence", new Topic.RoomPresence(ID)));
    }

    @ParameterizedTest
    @MethodSource
    void valid(final String input, final Topic expected) {
        final Topic.ParseResult result = Topics.parse(input);
        assertEquals(new Topic.Valid(expected), result);
        assertEquals(input, expected.mqttTopic());
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(null, "missing"),
                Arguments.of("", "not a Switchboard topic"),
                Arguments.of("sb/v1/node/info/", "not a Switchboard topic"),
                Arguments.of("sb/v2/inbox/" + ID, "not a Switchboard topic"),
                Arguments.of("SB/v1/inbox/" + ID, "not a Switchboard topic"),
                Arguments.of("sb/v1/inbox/", "inbox peer id"),
                Arguments.of("sb/v1/inbox/" + ID.substring(1), "inbox peer id"),
                Arguments.of("sb/v1/inbox/" + ID + "x", "inbox peer id"),
                Arguments.of("sb/v1/inbox/" + ID.substring(1) + "=", "inbox peer id"),
                Arguments.of("sb/v1/inbox/" + ID.substring(1) + "/", "inbox peer id"),
                Arguments.of("sb/v1/inbox/" + ID.substring(1) + "+", "inbox peer id"),
                Arguments.of("sb/v1/inbox/" + ID.substring(1) + "é", "inbox peer id"),
                Arguments.of("sb/v1/inbox/+", "inbox peer id"),
                Arguments.of("sb/v1/inbox/#", "inbox peer id"),
                Arguments.of("sb/v1/inbox/" + ID + "/x", "inbox peer id"),
                Arguments.of("sb/v1/room/" + ID, "must end in /presence"),
                Arguments.of("sb/v1/room/" + ID + "/chat", "must end in /presence"),
                Arguments.of("sb/v1/room//presence", "room id"),
                Arguments.of("sb/v1/room/+/presence", "room id"),
                Arguments.of("sb/v1/room/" + ID + "/x/presence", "room id"),
                Arguments.of("$SYS/broker", "not a Switchboard topic"),
                Arguments.of("sb/v1/inbox/" + "x".repeat(5000), "inbox peer id"));
    }

    @ParameterizedTest
    @MethodSource
    void invalid(final String input, final String reasonPart) {
        final Topic.ParseResult result = Topics.parse(input);
        final Topic.Invalid invalid = assertInstanceOf(Topic.Invalid.class, result);
        assertTrue(invalid.reason().contains(reasonPart), invalid.reason());
        assertTrue(invalid.reason().length() < 300, "reason must stay short");
    }
}
