package dev.switchboard.broker.topic;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class TopicPolicyTest {

    static final String ME = "M".repeat(43);
    static final String OTHER = "O".repeat(43);
    static final String ROOM = "R".repeat(43);

    static Stream<Arguments> subscribe() {
        return Stream.of(
                // filter, trusted, allowed
                Arguments.of("sb/v1/inbox/" + ME, false, true),
                Arguments.of("sb/v1/inbox/" + OTHER, false, false),
                Arguments.of("sb/v1/room/" + ROOM + "/presence", false, true),
                Arguments.of("sb/v1/node/info", false, true),
                Arguments.of("#", false, false),
                Arguments.of("sb/#", false, false),
                Arguments.of("sb/v1/#", false, false),
                Arguments.of("sb/v1/inbox/+", false, false),
                Arguments.of("sb/v1/+/" + ME, false, false),
                Arguments.of("sb/v1/room/+/presence", false, false),
                Arguments.of("+/v1/inbox/" + ME, false, false),
                Arguments.of("$SYS/#", false, false),
                Arguments.of("$share/g/sb/v1/inbox/" + ME, false, false),
                Arguments.of("", false, false),
                Arguments.of(null, false, false),
                Arguments.of("sb/v1/#", true, true),
                Arguments.of("sb/v1/inbox/+", true, true),
                Arguments.of("sb/v1/inbox/" + OTHER, true, true),
                Arguments.of("#", true, false),
                Arguments.of("+/v1/#", true, false),
                Arguments.of("$SYS/#", true, false),
                Arguments.of("$share/g/sb/v1/#", true, false),
                Arguments.of("other/x", true, false));
    }

    @ParameterizedTest
    @MethodSource
    void subscribe(final String filter, final boolean trusted, final boolean allowed) {
        final TopicPolicy.Decision d = TopicPolicy.checkSubscribe(ME, trusted, filter);
        assertEquals(allowed, d.allowed(), String.valueOf(d.reason()));
        if (!allowed) {
            assertNotNull(d.reason());
        }
    }

    static Stream<Arguments> publish() {
        return Stream.of(
                // topic, trusted, retained, allowed
                Arguments.of("sb/v1/inbox/" + OTHER, false, false, true),
                Arguments.of("sb/v1/inbox/" + ME, false, false, true),
                Arguments.of("sb/v1/room/" + ROOM + "/presence", false, false, true),
                Arguments.of("sb/v1/inbox/" + OTHER, false, true, false),
                Arguments.of("sb/v1/node/info", false, false, false),
                Arguments.of("sb/v1/node/info", true, false, false),
                Arguments.of("sb/v1/inbox/short", false, false, false),
                Arguments.of("sb/v1/other", false, false, false),
                Arguments.of("sb/v1/other", true, false, true),
                Arguments.of("sb/v1/other", true, true, false),
                Arguments.of("$SYS/x", true, false, false),
                Arguments.of("other", true, false, false),
                Arguments.of("", false, false, false),
                Arguments.of(null, false, false, false));
    }

    @ParameterizedTest
    @MethodSource
    void publish(final String topic, final boolean trusted, final boolean retained,
                 final boolean allowed) {
        final TopicPolicy.Decision d = TopicPolicy.checkPublish(ME, trusted, topic, retained);
        assertEquals(allowed, d.allowed(), String.valueOf(d.reason()));
    }
}
