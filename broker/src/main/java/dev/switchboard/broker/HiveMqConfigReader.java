package dev.switchboard.broker;

import com.hivemq.configuration.entity.HiveMQConfigEntity;
import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBContextFactory;
import jakarta.xml.bind.JAXBElement;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.Marshaller;
import jakarta.xml.bind.Unmarshaller;
import jakarta.xml.bind.UnmarshallerHandler;
import jakarta.xml.bind.helpers.AbstractUnmarshallerImpl;
import org.jetbrains.annotations.NotNull;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.XMLReader;

import javax.xml.namespace.QName;
import javax.xml.transform.Source;
import javax.xml.transform.sax.SAXSource;
import javax.xml.transform.stream.StreamSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lets HiveMQ CE read the {@code config.xml} that {@link EmbeddedBroker} wrote without JAXB: a
 * JAXB context factory (the API's documented plug-in point, chosen by the system property
 * {@value #FACTORY_PROPERTY}) that answers HiveMQ's unmarshalling of a configuration it knows, byte
 * for byte, with the entity {@link HiveMqConfig#entity} built for it. Anything else (another
 * configuration text, other classes, marshalling) goes to the JAXB implementation on the class
 * path, unchanged.
 *
 * <p>Why: JAXB's runtime and the JDK's XML parser are about 570 classes that the node loaded only
 * to read this one generated file, a few MB of resident memory for the whole run
 * (docs/performance.md, "Footprint").
 *
 * <p>Thread-safe. {@link #prepare} before HiveMQ starts, {@link #withdraw} after.
 */
public final class HiveMqConfigReader implements JAXBContextFactory {

    /** The JAXB API's system property naming the context factory ({@code JAXBContext.JAXB_CONTEXT_FACTORY}). */
    static final String FACTORY_PROPERTY = JAXBContext.JAXB_CONTEXT_FACTORY;

    private static final Map<String, HiveMQConfigEntity> PREPARED = new ConcurrentHashMap<>();
    private static final AtomicInteger SERVED = new AtomicInteger();
    private static final AtomicInteger DELEGATED = new AtomicInteger();

    /** Called by the JAXB API (public, no arguments); holds no state of its own. */
    public HiveMqConfigReader() {
    }

    /**
     * Makes this the JVM's JAXB context factory unless the property names another one already
     * (then HiveMQ reads its file with that, as before).
     *
     * @return whether this factory is the one JAXB will use
     */
    static boolean install() {
        synchronized (System.getProperties()) {
            final String current = System.getProperty(FACTORY_PROPERTY);
            if (current == null) {
                System.setProperty(FACTORY_PROPERTY, HiveMqConfigReader.class.getName());
                return true;
            }
            return current.equals(HiveMqConfigReader.class.getName());
        }
    }

    /**
     * @param xml    the configuration text exactly as written to {@code config.xml}
     * @param entity what it means ({@link HiveMqConfig#entity}); handed to HiveMQ as is
     */
    static void prepare(final @NotNull String xml, final @NotNull HiveMQConfigEntity entity) {
        PREPARED.put(xml, entity);
    }

    /** Forgets a configuration given to {@link #prepare}. */
    static void withdraw(final @NotNull String xml) {
        PREPARED.remove(xml);
    }

    /** @return how many times HiveMQ got a prepared entity instead of a parsed file (for tests) */
    static int served() {
        return SERVED.get();
    }

    /** @return how many unmarshallings went to the class path's JAXB implementation (for tests) */
    static int delegated() {
        return DELEGATED.get();
    }

    @Override
    public @NotNull JAXBContext createContext(final Class<?> @NotNull [] classesToBeBound,
                                              final Map<String, ?> properties) throws JAXBException {
        if (Arrays.asList(classesToBeBound).contains(HiveMQConfigEntity.class)) {
            return new Context(classesToBeBound, properties);
        }
        return delegate().createContext(classesToBeBound, properties);
    }

    @Override
    public @NotNull JAXBContext createContext(final @NotNull String contextPath, final ClassLoader classLoader,
                                              final Map<String, ?> properties) throws JAXBException {
        return delegate().createContext(contextPath, classLoader, properties);
    }

    /** The class path's JAXB implementation (jaxb-runtime), found as the API would find it. */
    private static JAXBContextFactory delegate() throws JAXBException {
        for (final JAXBContextFactory factory : ServiceLoader.load(JAXBContextFactory.class,
                HiveMqConfigReader.class.getClassLoader())) {
            if (!(factory instanceof HiveMqConfigReader)) {
                return factory;
            }
        }
        throw new JAXBException("no JAXB implementation on the class path to read HiveMQ's configuration with");
    }

    /** HiveMQ's context: unmarshalling of prepared texts is answered here, the rest delegated. */
    private static final class Context extends JAXBContext {
        private final Class<?>[] classes;
        private final Map<String, ?> properties;
        private JAXBContext real;

        Context(final Class<?>[] classes, final Map<String, ?> properties) {
            this.classes = classes.clone();
            this.properties = properties;
        }

        synchronized JAXBContext real() throws JAXBException {
            if (real == null) {
                real = delegate().createContext(classes, properties);
            }
            return real;
        }

        @Override
        public Unmarshaller createUnmarshaller() {
            return new PreparedUnmarshaller(this);
        }

        @Override
        public Marshaller createMarshaller() throws JAXBException {
            return real().createMarshaller();
        }
    }

    private static final class PreparedUnmarshaller extends AbstractUnmarshallerImpl {
        private final Context context;

        PreparedUnmarshaller(final Context context) {
            this.context = context;
        }

        @Override
        public <T> JAXBElement<T> unmarshal(final Source source, final Class<T> declaredType) throws JAXBException {
            if (source instanceof StreamSource stream && stream.getInputStream() != null
                    && stream.getReader() == null) {
                final byte[] bytes;
                try (InputStream in = stream.getInputStream()) {
                    bytes = in.readAllBytes();
                } catch (final IOException e) {
                    throw new JAXBException("cannot read HiveMQ's configuration: " + e.getMessage(), e);
                }
                final HiveMQConfigEntity entity = PREPARED.get(new String(bytes, StandardCharsets.UTF_8));
                if (entity != null && declaredType.isInstance(entity)) {
                    SERVED.incrementAndGet();
                    return new JAXBElement<>(new QName("hivemq"), declaredType, declaredType.cast(entity));
                }
                return real().unmarshal(new StreamSource(new ByteArrayInputStream(bytes), stream.getSystemId()),
                        declaredType);
            }
            return real().unmarshal(source, declaredType);
        }

        @Override
        public Object unmarshal(final Source source) throws JAXBException {
            return real().unmarshal(source);
        }

        @Override
        protected Object unmarshal(final XMLReader reader, final InputSource source) throws JAXBException {
            return real().unmarshal(new SAXSource(reader, source));
        }

        @Override
        public Object unmarshal(final Node node) throws JAXBException {
            return real().unmarshal(node);
        }

        @Override
        public UnmarshallerHandler getUnmarshallerHandler() {
            try {
                return real().getUnmarshallerHandler();
            } catch (final JAXBException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        private Unmarshaller real() throws JAXBException {
            DELEGATED.incrementAndGet();
            return context.real().createUnmarshaller();
        }
    }
}
