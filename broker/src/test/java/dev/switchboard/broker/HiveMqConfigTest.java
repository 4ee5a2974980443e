package dev.switchboard.broker;

import com.hivemq.configuration.entity.HiveMQConfigEntity;
import com.hivemq.configuration.entity.listener.TCPListenerEntity;
import com.hivemq.configuration.entity.listener.TlsTCPListenerEntity;
import com.hivemq.configuration.entity.listener.TlsWebsocketListenerEntity;
import com.hivemq.configuration.entity.listener.WebsocketListenerEntity;
import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBContextFactory;
import jakarta.xml.bind.JAXBException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import javax.net.ssl.X509TrustManager;
import javax.xml.transform.stream.StreamSource;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link HiveMqConfig#entity} means what {@link HiveMqConfig#render} writes: the XML read by
 * HiveMQ CE's own JAXB entity classes with the class path's JAXB implementation (as HiveMQ's
 * {@code ConfigFileReader} reads it) equals the built entity in every field, for every kind of
 * listener; and {@link HiveMqConfigReader} serves a prepared text without parsing and parses any
 * other.
 */
class HiveMqConfigTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    /** The classes HiveMQ's ConfigFileReader binds (its entity class and the listener kinds). */
    private static final Class<?>[] HIVEMQ_CLASSES = {HiveMQConfigEntity.class, TCPListenerEntity.class,
            WebsocketListenerEntity.class, TlsTCPListenerEntity.class, TlsWebsocketListenerEntity.class};
    private static final X509TrustManager REFUSE_ALL = new X509TrustManager() {
        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType)
                throws CertificateException {
            throw new CertificateException("test");
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType)
                throws CertificateException {
            throw new CertificateException("test");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    static Stream<BrokerSettings> settings() throws Exception {
        final BrokerSettings.Tls tls = new BrokerSettings.Tls(Path.of("/tmp/keystore & <co>.p12"), "pa\"ss'<>&");
        final BrokerSettings.Tls nodeTls = new BrokerSettings.Tls(Path.of("relative/node.p12"), "secret");
        final BrokerSettings.Builder plain = BrokerSettings.builder().nodeId("n")
                .tcpBindAddress(LOOPBACK).tcpPort(0).webSocketBindAddress(LOOPBACK).webSocketPort(0);
        return Stream.of(
                plain.build(),
                plain.tcpPort(-1).webSocketPath("/other/path").maxPacketSize(1000).build(),
                plain.tcpPort(0).webSocketPort(-1).tcpBindAddress(InetAddress.getByName("::1")).build(),
                BrokerSettings.builder().nodeId("n").tcpBindAddress(InetAddress.getByName("0.0.0.0")).tcpPort(0)
                        .tcpTls(tls).webSocketBindAddress(LOOPBACK).webSocketPort(0).webSocketTls(tls)
                        .federation(new BrokerSettings.Federation(LOOPBACK, 0, nodeTls, REFUSE_ALL))
                        .compat(CompatListener.of(LOOPBACK, 0, "/compat"))
                        .build(),
                plain.compat(CompatListener.of(InetAddress.getByName("::"), 0, "/mqtt-compat")).build());
    }

    @ParameterizedTest
    @MethodSource("settings")
    void entity_anySettings_equalsWhatJaxbReadsFromTheRenderedXml(final BrokerSettings s) throws Exception {
        final String xml = HiveMqConfig.render(s, 1883, 8000, 8883, 8001);
        final HiveMQConfigEntity read = jaxb().createUnmarshaller()
                .unmarshal(new StreamSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))),
                        HiveMQConfigEntity.class).getValue();
        final HiveMQConfigEntity built = HiveMqConfig.entity(s, 1883, 8000, 8883, 8001);
        assertDeepEquals(read, built, "config");
        // the comparison looks at the listeners: as many as the settings ask for
        final int expected = (s.tcpPort() >= 0 ? 1 : 0) + (s.webSocketPort() >= 0 ? 1 : 0)
                + (s.federation() != null ? 1 : 0) + (s.compat() != null ? 1 : 0);
        assertEquals(expected, built.getListenerConfig().size());
    }

    @Test
    void reader_preparedText_servesTheEntityWithoutParsing() throws Exception {
        final BrokerSettings s = settings().findFirst().orElseThrow();
        final String xml = HiveMqConfig.render(s, 1883, 8000, -1, -1);
        final HiveMQConfigEntity entity = HiveMqConfig.entity(s, 1883, 8000, -1, -1);
        final JAXBContext context = new HiveMqConfigReader().createContext(HIVEMQ_CLASSES, Map.of());
        final int served = HiveMqConfigReader.served();
        final int delegated = HiveMqConfigReader.delegated();
        HiveMqConfigReader.prepare(xml, entity);
        try {
            final Object got = context.createUnmarshaller().unmarshal(
                    new StreamSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))),
                    HiveMQConfigEntity.class).getValue();
            assertSame(entity, got);
            assertEquals(served + 1, HiveMqConfigReader.served());
            assertEquals(delegated, HiveMqConfigReader.delegated());
        } finally {
            HiveMqConfigReader.withdraw(xml);
        }
    }

    @Test
    void reader_otherText_isParsedByTheClassPathsJaxb() throws Exception {
        final BrokerSettings s = settings().findFirst().orElseThrow();
        final String xml = HiveMqConfig.render(s, 1884, 8002, -1, -1);
        final HiveMQConfigEntity prepared = HiveMqConfig.entity(s, 1884, 8002, -1, -1);
        HiveMqConfigReader.prepare(xml, prepared);
        try {
            final String other = xml.replace("<port>1884</port>", "<port>1885</port>");
            final int delegated = HiveMqConfigReader.delegated();
            final HiveMQConfigEntity got = new HiveMqConfigReader().createContext(HIVEMQ_CLASSES, Map.of())
                    .createUnmarshaller()
                    .unmarshal(new StreamSource(new ByteArrayInputStream(other.getBytes(StandardCharsets.UTF_8))),
                            HiveMQConfigEntity.class).getValue();
            assertNotSame(prepared, got);
            assertEquals(1885, got.getListenerConfig().get(0).getPort());
            assertEquals(delegated + 1, HiveMqConfigReader.delegated());
        } finally {
            HiveMqConfigReader.withdraw(xml);
        }
    }

    @Test
    void reader_otherClasses_getTheClassPathsJaxbContext() throws Exception {
        final JAXBContext context = new HiveMqConfigReader().createContext(new Class<?>[] {Sample.class}, Map.of());
        assertTrue(context.getClass().getName().startsWith("org.glassfish.jaxb"), context.getClass().getName());
    }

    /** Any class other than HiveMQ's configuration. */
    @jakarta.xml.bind.annotation.XmlRootElement
    static final class Sample {
    }

    /** The class path's JAXB implementation, not {@link HiveMqConfigReader}. */
    private static JAXBContext jaxb() throws JAXBException {
        for (final JAXBContextFactory factory : ServiceLoader.load(JAXBContextFactory.class)) {
            if (!(factory instanceof HiveMqConfigReader)) {
                return factory.createContext(HIVEMQ_CLASSES, Map.of());
            }
        }
        return fail("no JAXB implementation on the test class path");
    }

    /** Compares HiveMQ's entities field by field (any depth), lists element by element. */
    private static void assertDeepEquals(final Object expected, final Object actual, final String path)
            throws IllegalAccessException {
        if (expected == null || actual == null) {
            assertSame(expected, actual, path);
            return;
        }
        if (expected instanceof List<?> e) {
            final List<?> a = assertInstanceOf(List.class, actual, path);
            assertEquals(e.size(), a.size(), path + ".size");
            for (int i = 0; i < e.size(); i++) {
                assertDeepEquals(e.get(i), a.get(i), path + "[" + i + "]");
            }
            return;
        }
        if (!expected.getClass().getName().startsWith("com.hivemq.configuration.entity.")
                || expected.getClass().isEnum()) {
            assertEquals(expected, actual, path);
            return;
        }
        assertEquals(expected.getClass(), actual.getClass(), path + " class");
        final List<Field> fields = new ArrayList<>();
        for (Class<?> type = expected.getClass(); type != Object.class; type = type.getSuperclass()) {
            for (final Field field : type.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    fields.add(field);
                }
            }
        }
        assertTrue(fields.size() > 0 || expected.getClass().getDeclaredFields().length == 0, path);
        for (final Field field : fields) {
            field.setAccessible(true);
            assertDeepEquals(field.get(expected), field.get(actual), path + "." + field.getName());
        }
    }
}
