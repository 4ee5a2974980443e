package dev.switchboard.node;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class EventLoopDefaultsTest {

    private String saved;

    @BeforeEach
    void clearProperty() {
        saved = System.getProperty(EventLoopDefaults.PROPERTY);
        System.clearProperty(EventLoopDefaults.PROPERTY);
    }

    @AfterEach
    void restoreProperty() {
        if (saved == null) {
            System.clearProperty(EventLoopDefaults.PROPERTY);
        } else {
            System.setProperty(EventLoopDefaults.PROPERTY, saved);
        }
    }

    @Test
    void unset_becomesOneLoopPerAvailableProcessor() {
        final String expected = String.valueOf(Runtime.getRuntime().availableProcessors());
        assertEquals(expected, EventLoopDefaults.applyUnlessSet());
        assertEquals(expected, System.getProperty("io.netty.eventLoopThreads"));
    }

    @Test
    void setByTheOperator_isLeftAsItIs() {
        System.setProperty("io.netty.eventLoopThreads", "7");
        assertNull(EventLoopDefaults.applyUnlessSet());
        assertEquals("7", System.getProperty("io.netty.eventLoopThreads"));
    }
}
