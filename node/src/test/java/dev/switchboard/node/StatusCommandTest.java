package dev.switchboard.node;

import dev.switchboard.node.config.IpLiteral;
import dev.switchboard.node.config.NodeConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StatusCommandTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, 9464, http://127.0.0.1:9464/status.json",
            "0.0.0.0, 9464, http://127.0.0.1:9464/status.json",
            "::, 9100, http://127.0.0.1:9100/status.json",
            "::1, 9464, 'http://[0:0:0:0:0:0:0:1]:9464/status.json'",
            "192.0.2.7, 80, http://192.0.2.7:80/status.json"})
    void statusUri_bindAddress_askedThereOrOnLoopbackForWildcards(final String bind, final int port,
                                                                  final String expected) {
        final NodeConfig.Metrics metrics = new NodeConfig.Metrics(Objects.requireNonNull(IpLiteral.parse(bind)), port);
        assertEquals(expected, StatusCommand.statusUri(metrics).toString());
    }
}
