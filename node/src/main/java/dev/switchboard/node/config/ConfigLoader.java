package dev.switchboard.node.config;

import dev.switchboard.broker.guard.ConnectionLimits;
import dev.switchboard.broker.guard.PublishLimits;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.broker.CompatListener;
import dev.switchboard.broker.PeerRole;
import dev.switchboard.broker.identity.PeerIds;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import dev.switchboard.node.access.AdminPaths;
import dev.switchboard.node.access.Cidr;
import dev.switchboard.node.access.ScannerRules;
import dev.switchboard.node.relay.PortRange;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the node's YAML configuration file into a {@link NodeConfig}.
 *
 * <p>The file is optional: a missing file gives {@link #defaults()}, a node that serves on
 * localhost only. Every key is optional and falls back to its default; an unknown key is an error
 * (it is almost always a typo), as is a value of the wrong type or out of range. Durations are
 * written as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h} or ISO-8601 ({@code PT30S}).
 *
 * <p>Every default is written here once, in {@code fromTree}, and nowhere else: the components
 * take the {@link NodeConfig} sections, and {@link #defaults()} is the configuration without a
 * file. The README's configuration table documents the same values.
 *
 * <p>Thread-safe and stateless.
 */
public final class ConfigLoader {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");
    private static final Pattern RANGE = Pattern.compile("(\\d{1,5})\\s*-\\s*(\\d{1,5})");
    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\\.?");

    private ConfigLoader() {
    }

    /** @return the configuration used when there is no file: everything on localhost. */
    /**
     * A compatibility listener budget for {@code rate} messages per second: bursts of four times
     * that, and the byte budget and byte burst scaled from the default's in proportion (the
     * defaults allow 6.4 KiB per message on average), so raising the message rate does not leave
     * the bytes behind.
     */
    private static @NotNull PublishLimits scaled(final @NotNull PublishLimits defaults, final int rate) {
        final int perDefault = defaults.messagesPerSecond();
        return new PublishLimits(rate, rate * 4, rate * defaults.bytesPerSecond() / perDefault,
                rate * defaults.byteBurst() / perDefault, defaults.disconnectAfter(), defaults.window());
    }

    public static @NotNull NodeConfig defaults() {
        try {
            return fromTree(YAMLMapper.builder().build().createObjectNode(), "defaults");
        } catch (final ConfigException e) {
            throw new IllegalStateException("built-in defaults are invalid", e);
        }
    }

    /**
     * Loads a configuration file.
     *
     * @param file    the YAML file; if {@code required} is false and it does not exist,
     *                {@link #defaults()} is returned.
     * @param required whether a missing file is an error.
     * @return the validated configuration.
     * @throws ConfigException if the file cannot be read, is not YAML, or holds an unknown key or
     *                         an invalid value; the message names the file, key and value.
     */
    public static @NotNull NodeConfig load(final @NotNull Path file, final boolean required)
            throws ConfigException {
        final String text;
        try {
            text = Files.readString(file);
        } catch (final NoSuchFileException e) {
            if (required) {
                throw new ConfigException("configuration file not found: " + file);
            }
            return defaults();
        } catch (final IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses configuration text.
     *
     * @param yaml   the YAML document; empty means all defaults.
     * @param source a name for error messages (usually the file name).
     * @return the validated configuration.
     * @throws ConfigException on malformed YAML, unknown keys or invalid values.
     */
    public static @NotNull NodeConfig parse(final @NotNull String yaml, final @NotNull String source)
            throws ConfigException {
        final JsonNode root;
        try {
            root = YAMLMapper.builder().build().readTree(yaml);
        } catch (final IOException e) {
            throw new ConfigException(source + ": not valid YAML: " + firstLine(e.getMessage()), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return fromTree(YAMLMapper.builder().build().createObjectNode(), source);
        }
        if (!root.isObject()) {
            throw new ConfigException(source + ": the top level must be a mapping of keys to values");
        }
        return fromTree((ObjectNode) root, source);
    }

    private static NodeConfig fromTree(final ObjectNode root, final String source) throws ConfigException {
        final Section top = new Section(root, "", source);
        top.allow("dataDir", "publicHost", "pathPrefix", "web", "broker", "stun", "relay", "limits", "log", "metrics", "callee",
                "federation", "access", "lobby");

        final Path dataDir = Path.of(top.string("dataDir", "switchboard-data"));
        final String publicHost = top.host("publicHost", "localhost");
        final String pathPrefix = top.pathPrefix("pathPrefix", "/");

        final Section w = top.section("web");
        w.allow("bind", "port", "tls", "certificate", "privateKey", "extraNames");
        final String certificate = w.optionalString("certificate");
        final String privateKey = w.optionalString("privateKey");
        if ((certificate == null) != (privateKey == null)) {
            throw w.error(certificate == null ? "certificate" : "privateKey",
                    "web.certificate and web.privateKey must be given together", null);
        }
        final List<String> extraNames = new ArrayList<>();
        for (final String name : w.stringList("extraNames")) {
            extraNames.add(w.checkHost("extraNames", name));
        }
        final NodeConfig.Web web = new NodeConfig.Web(
                w.ip("bind", "127.0.0.1"),
                w.port("port", 8443, false),
                w.bool("tls", true),
                certificate == null ? null : Path.of(certificate),
                privateKey == null ? null : Path.of(privateKey),
                extraNames);

        final Section b = top.section("broker");
        b.allow("bind", "webSocketPort", "tcpPort", "trustedPeers", "compat");
        final InetAddress brokerBind = b.ip("bind", "127.0.0.1");
        // The compatibility listener for unmodified Trystero/RTChat peers: off unless a port is given.
        final Section cl = b.section("compat");
        cl.allow("port", "path", "maxMessageBytes", "publishMessagesPerSecond", "publishMessagesPerSecondPerAddress");
        final int compatPort = cl.port("port", -1, true);
        final PublishLimits cc = CompatListener.DEFAULT_PER_CLIENT;
        final PublishLimits ca = CompatListener.DEFAULT_PER_ADDRESS;
        final int perClientRate = cl.intIn("publishMessagesPerSecond", cc.messagesPerSecond(), 1, 1000);
        final int perAddressRate = cl.intIn("publishMessagesPerSecondPerAddress", ca.messagesPerSecond(), 1, 10_000);
        final String compatPath = cl.string("path", "/mqtt");
        if (!compatPath.startsWith("/")) {
            throw cl.error("path", "expected a path starting with '/'", null);
        }
        final CompatListener compat = compatPort < 0 ? null : new CompatListener(brokerBind, compatPort, compatPath,
                cl.intIn("maxMessageBytes", CompatListener.DEFAULT_MAX_MESSAGE_BYTES, 64, 65536),
                scaled(cc, perClientRate), scaled(ca, perAddressRate));
        final NodeConfig.Broker broker = new NodeConfig.Broker(
                brokerBind,
                b.port("webSocketPort", 8444, false),
                b.port("tcpPort", 1883, true),
                b.trustedPeers("trustedPeers"),
                compat);

        final Section s = top.section("stun");
        s.allow("bind", "port");
        final NodeConfig.Stun stun = new NodeConfig.Stun(s.ip("bind", "127.0.0.1"), s.port("port", 3478, false));

        final Section r = top.section("relay");
        r.allow("bind", "advertisedHost", "portRange", "maxSessions", "maxSessionsPerPeer", "idleTimeout",
                "maxSessionsPerAddress", "halfOpenTimeout", "stunProof", "socketBufferBytes");
        final PortRange range = r.portRange("portRange", "40000-40199");
        final int maxSessions = r.intIn("maxSessions", 100, 1, 100_000);
        if (maxSessions * 2L > range.size()) {
            throw r.error("portRange", "relay.portRange holds " + range.size()
                    + " ports, fewer than the 2 per session that relay.maxSessions=" + maxSessions
                    + " needs", null);
        }
        final NodeConfig.Relay relay = new NodeConfig.Relay(
                r.ip("bind", "127.0.0.1"),
                r.ip("advertisedHost", "127.0.0.1"),
                range,
                maxSessions,
                r.intIn("maxSessionsPerPeer", 8, 1, 1_000),
                r.duration("idleTimeout", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(24)),
                r.intIn("maxSessionsPerAddress", 16, 1, 100_000),
                r.duration("halfOpenTimeout", Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(5)),
                r.bool("stunProof", true),
                r.intIn("socketBufferBytes", NodeConfig.Relay.DEFAULT_SOCKET_BUFFER_BYTES, 64 * 1024, 64 << 20));

        final Section l = top.section("limits");
        l.allow("maxSdpBytes", "connectionsPerAddress", "preConnectBytes", "connectTimeout", "readBytesPerSecond",
                "publishMessagesPerSecond", "publishBurst", "publishBytesPerSecond", "publishByteBurst");
        // The broker's limit records hold their defaults and ranges; the file can only narrow them.
        final ConnectionLimits c = ConnectionLimits.DEFAULTS;
        final ConnectionLimits connections = new ConnectionLimits(
                l.intIn("connectionsPerAddress", c.maxConnectionsPerAddress(), 1, 100_000),
                l.intIn("preConnectBytes", c.preConnectBytes(), 1024, 16 << 20),
                l.duration("connectTimeout", c.connectTimeout(), Duration.ofSeconds(1), Duration.ofSeconds(120)),
                l.intIn("readBytesPerSecond", (int) c.readBytesPerSecond(), 1024, 1 << 30),
                c.maxWebSocketFrameBytes());
        final PublishLimits p = PublishLimits.DEFAULTS;
        final PublishLimits publish = new PublishLimits(
                l.intIn("publishMessagesPerSecond", p.messagesPerSecond(), 1, 100_000),
                l.intIn("publishBurst", p.messageBurst(), 1, 10_000_000),
                l.intIn("publishBytesPerSecond", (int) p.bytesPerSecond(), 1024, 1 << 30),
                l.intIn("publishByteBurst", (int) p.byteBurst(), 64 * 1024, 1 << 30),
                p.disconnectAfter(), p.window());
        final NodeConfig.Limits limits = new NodeConfig.Limits(
                l.intIn("maxSdpBytes", 32 * 1024, 1024, 60 * 1024), connections, publish);

        final Section g = top.section("log");
        g.allow("addresses");
        final NodeConfig.Log log = new NodeConfig.Log(g.bool("addresses", false));

        final Section m = top.section("metrics");
        m.allow("bind", "port");
        final NodeConfig.Metrics metrics = new NodeConfig.Metrics(m.ip("bind", "127.0.0.1"), m.port("port", 9464, true));

        final Section ce = top.section("callee");
        ce.allow("expiry", "ringTimeout");
        final NodeConfig.Callee callee = new NodeConfig.Callee(
                ce.duration("expiry", Duration.ofDays(92), Duration.ofSeconds(1), Duration.ofDays(3653)),
                ce.duration("ringTimeout", Duration.ofSeconds(45), Duration.ofSeconds(5), Duration.ofMinutes(10)));

        final Section f = top.section("federation");
        f.allow("bind", "port", "hopLimit", "peers");
        final NodeConfig.Federation federation = new NodeConfig.Federation(f.ip("bind", "127.0.0.1"),
                f.port("port", -1, true), f.intIn("hopLimit", 4, 1, 16), f.federationPeers("peers"));

        return new NodeConfig(dataDir, publicHost, pathPrefix, web, broker, stun, relay, limits, log, metrics,
                callee, federation, access(top.section("access")), lobby(top.section("lobby")));
    }

    private static NodeConfig.Access access(final Section a) throws ConfigException {
        a.allow("allow", "countries", "geoipDatabase", "block");
        final List<Cidr> allow = new ArrayList<>();
        for (final String text : a.stringList("allow")) {
            try {
                allow.add(Cidr.parse(text));
            } catch (final IllegalArgumentException e) {
                throw a.error("allow", e.getMessage(), null);
            }
        }
        final List<String> countries = new ArrayList<>();
        for (final String text : a.stringList("countries")) {
            final String code = text.trim().toUpperCase(Locale.ROOT);
            if (!code.matches("[A-Z]{2}")) {
                throw a.error("countries", "expected two-letter ISO 3166-1 country codes such as SE or GB: '"
                        + text + "'", null);
            }
            countries.add(code);
        }
        final String database = a.optionalString("geoipDatabase");
        final Section b = a.section("block");
        b.allow("unknownPaths", "failedProofs", "window", "duration");
        final ScannerRules d = ScannerRules.DEFAULTS;
        final ScannerRules block = new ScannerRules(
                b.intIn("unknownPaths", d.unknownPaths(), 1, 10_000),
                b.intIn("failedProofs", d.failedProofs(), 1, 10_000),
                b.duration("window", d.window(), Duration.ofSeconds(1), Duration.ofHours(24)),
                b.duration("duration", d.blockFor(), Duration.ofSeconds(1), Duration.ofDays(30)));
        return new NodeConfig.Access(allow, countries, database == null ? null : Path.of(database), block);
    }

    private static NodeConfig.Lobby lobby(final Section l) throws ConfigException {
        l.allow("admins", "home");
        final boolean home = l.bool("home", false);
        final JsonNode list = l.node.get("admins");
        final List<NodeConfig.Admin> admins = new ArrayList<>();
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw l.error("admins", "expected a list of admins, each with name, path and permitted", list);
            }
            final Set<String> names = new java.util.HashSet<>();
            final Set<String> paths = new java.util.HashSet<>();
            int supers = 0;
            for (int i = 0; i < list.size(); i++) {
                final JsonNode item = list.get(i);
                if (!item.isObject()) {
                    throw l.error("admins", "entry " + (i + 1) + " must be a mapping with name, path and permitted",
                            null);
                }
                final Section a = new Section((ObjectNode) item, l.path + "admins[" + (i + 1) + "].", l.source);
                a.allow("name", "path", "permitted", "super");
                final String name = a.optionalString("name");
                if (name == null || name.trim().length() > 64) {
                    throw a.error("name", "every admin needs a name of 1 to 64 characters", item.get("name"));
                }
                final String path = a.optionalString("path");
                if (path == null || !AdminPaths.validSegment(path.trim())) {
                    // the value is a secret: never echoed
                    throw a.error("path", "every admin needs a secret path: one segment of letters, digits and - _ ~ "
                            + "(at most 256 characters; 22 random base64url characters give 128 bits)", null);
                }
                if (!names.add(AdminPaths.foldName(name))) {
                    throw a.error("name", "two admins are called '" + name.trim() + "'", null);
                }
                if (!paths.add(path.trim())) {
                    throw a.error("path", "two admins have the same path", null);
                }
                final List<String> permitted = new ArrayList<>();
                for (final String p : a.stringList("permitted")) {
                    if (p.isBlank() || p.trim().length() > 64) {
                        throw a.error("permitted", "names must be 1 to 64 characters: '" + p + "'", null);
                    }
                    permitted.add(p.trim());
                }
                final boolean superAdmin = a.bool("super", false);
                supers += superAdmin ? 1 : 0;
                admins.add(new NodeConfig.Admin(name.trim(), path.trim(), permitted, superAdmin));
            }
            if (supers > 1) {
                throw l.error("admins", "only one admin may be the super-admin (super: true)", null);
            }
            if (supers == 0 && admins.size() > 1) {
                throw l.error("admins", "with several admins, mark exactly one as the super-admin (super: true)", null);
            }
            if (admins.size() == 1 && !admins.get(0).superAdmin()) {
                final NodeConfig.Admin only = admins.get(0);
                admins.set(0, new NodeConfig.Admin(only.name(), only.path(), only.permitted(), true));
            }
        }
        return new NodeConfig.Lobby(admins, home);
    }

    /**
     * Parses a duration as written in the configuration.
     *
     * @param text {@code <n>ms|s|m|h|d} or ISO-8601 such as {@code PT30S}.
     * @return the duration, or {@code null} if the text is not a duration.
     */
    public static @Nullable Duration parseDuration(final @NotNull String text) {
        final String t = text.trim().toLowerCase(Locale.ROOT);
        final Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            final long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (final DateTimeParseException e) {
            return null;
        }
    }

    private static String firstLine(final @Nullable String s) {
        if (s == null) {
            return "";
        }
        final int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A mapping in the YAML tree with its dotted path, for error messages. */
    private static final class Section {
        private final ObjectNode node;
        private final String path;
        private final String source;

        Section(final ObjectNode node, final String path, final String source) {
            this.node = node;
            this.path = path;
            this.source = source;
        }

        ConfigException error(final String key, final String what, final @Nullable JsonNode value) {
            return new ConfigException(source + ": " + path + key + ": " + what
                    + (value == null ? "" : " (got " + value + ")"));
        }

        void allow(final String... keys) throws ConfigException {
            final Set<String> allowed = Set.of(keys);
            final Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                final String name = names.next();
                if (!allowed.contains(name)) {
                    throw new ConfigException(source + ": unknown key '" + path + name + "'; known keys here: "
                            + String.join(", ", keys));
                }
            }
        }

        Section section(final String key) throws ConfigException {
            final JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return new Section(node.objectNode(), path + key + ".", source);
            }
            if (!v.isObject()) {
                throw error(key, "expected a mapping", v);
            }
            return new Section((ObjectNode) v, path + key + ".", source);
        }

        @Nullable String optionalString(final String key) throws ConfigException {
            final JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual() || v.asText().isBlank()) {
                throw error(key, "expected a non-empty string", v);
            }
            return v.asText();
        }

        String string(final String key, final String dflt) throws ConfigException {
            final String s = optionalString(key);
            return s == null ? dflt : s;
        }

        List<String> stringList(final String key) throws ConfigException {
            final JsonNode v = node.get(key);
            final List<String> out = new ArrayList<>();
            if (v == null || v.isNull()) {
                return out;
            }
            if (!v.isArray()) {
                throw error(key, "expected a list of strings", v);
            }
            for (final JsonNode e : v) {
                if (!e.isTextual()) {
                    throw error(key, "expected a list of strings", v);
                }
                out.add(e.asText());
            }
            return out;
        }

        boolean bool(final String key, final boolean dflt) throws ConfigException {
            final JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isBoolean()) {
                throw error(key, "expected true or false", v);
            }
            return v.booleanValue();
        }

        int intIn(final String key, final int dflt, final int min, final int max) throws ConfigException {
            final JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
                throw error(key, "expected a whole number from " + min + " to " + max, v);
            }
            return v.intValue();
        }

        int port(final String key, final int dflt, final boolean mayDisable) throws ConfigException {
            final JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            final int min = mayDisable ? -1 : 0;
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > 65535) {
                throw error(key, "expected a port from " + min + " to 65535"
                        + (mayDisable ? " (-1 disables, 0 picks a free port)" : " (0 picks a free port)"), v);
            }
            return v.intValue();
        }

        PortRange portRange(final String key, final String dflt) throws ConfigException {
            final JsonNode v = node.get(key);
            final String text = v == null || v.isNull() ? dflt : v.asText();
            final Matcher m = RANGE.matcher(text.trim());
            if (v != null && !v.isNull() && !v.isTextual() || !m.matches()) {
                throw error(key, "expected a port range 'first-last', for example '40000-40199'", v);
            }
            final int lo = Integer.parseInt(m.group(1));
            final int hi = Integer.parseInt(m.group(2));
            if (lo < 1 || hi > 65535 || lo > hi) {
                throw error(key, "expected 1 <= first <= last <= 65535", v);
            }
            return new PortRange(lo, hi);
        }

        Duration duration(final String key, final Duration dflt, final Duration min, final Duration max)
                throws ConfigException {
            final JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            final Duration d = v.isTextual() ? parseDuration(v.asText()) : null;
            if (d == null) {
                throw error(key, "expected a duration such as 30s, 5m or PT30S", v);
            }
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw error(key, "expected a duration from " + min + " to " + max, v);
            }
            return d;
        }

        Map<String, PeerRole> trustedPeers(final String key) throws ConfigException {
            final JsonNode v = node.get(key);
            final Map<String, PeerRole> out = new LinkedHashMap<>();
            if (v == null || v.isNull()) {
                return out;
            }
            if (!v.isObject()) {
                throw error(key, "expected a mapping of peer id to role (admin or federation)", v);
            }
            for (final Map.Entry<String, JsonNode> e : v.properties()) {
                if (!PeerIds.isValid(e.getKey())) {
                    throw error(key, "'" + e.getKey() + "' is not a peer id (43 characters of A-Z a-z 0-9 _ -)", null);
                }
                final String role = e.getValue().isTextual() ? e.getValue().asText().toLowerCase(Locale.ROOT) : "";
                switch (role) {
                    case "admin" -> out.put(e.getKey(), PeerRole.ADMIN);
                    case "federation" -> out.put(e.getKey(), PeerRole.FEDERATION);
                    default -> throw error(key, "the role of " + e.getKey() + " must be admin or federation",
                            e.getValue());
                }
            }
            return out;
        }

        Map<String, java.net.InetSocketAddress> federationPeers(final String key) throws ConfigException {
            final JsonNode v = node.get(key);
            final Map<String, java.net.InetSocketAddress> out = new LinkedHashMap<>();
            if (v == null || v.isNull()) {
                return out;
            }
            if (!v.isObject()) {
                throw error(key, "expected a mapping of peer node id to 'host:port' of its federation listener", v);
            }
            for (final Map.Entry<String, JsonNode> e : v.properties()) {
                if (!PeerIds.isValid(e.getKey())) {
                    throw error(key, "'" + e.getKey() + "' is not a node id (43 characters of A-Z a-z 0-9 _ -)", null);
                }
                final String text = e.getValue().isTextual() ? e.getValue().asText().trim() : "";
                final int colon = text.lastIndexOf(':');
                String host = colon > 0 ? text.substring(0, colon) : "";
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                final int port;
                try {
                    port = colon > 0 ? Integer.parseInt(text.substring(colon + 1)) : -1;
                } catch (final NumberFormatException ex) {
                    throw error(key, "the address of " + e.getKey() + " must be host:port", e.getValue());
                }
                if (host.isEmpty() || port < 1 || port > 65535) {
                    throw error(key, "the address of " + e.getKey() + " must be host:port with a port 1..65535",
                            e.getValue());
                }
                checkHost(key, host);
                out.put(e.getKey(), java.net.InetSocketAddress.createUnresolved(host, port));
            }
            return out;
        }

        InetAddress ip(final String key, final String dflt) throws ConfigException {
            final String s = string(key, dflt).trim();
            if (!IpLiteral.looksLikeLiteral(s)) {
                throw error(key, "expected an IP address literal such as 127.0.0.1, 0.0.0.0 or ::1", node.get(key));
            }
            final InetAddress address = IpLiteral.parse(s);
            if (address == null) {
                throw error(key, "not a valid IP address", node.get(key));
            }
            return address;
        }

        String host(final String key, final String dflt) throws ConfigException {
            return checkHost(key, string(key, dflt).trim());
        }

        String checkHost(final String key, final String s) throws ConfigException {
            if (IpLiteral.looksLikeLiteral(s)) {
                if (IpLiteral.parse(s) == null) {
                    throw error(key, "not a valid IP address: '" + s + "'", null);
                }
                return s;
            }
            if (s.length() > 253 || !HOST_NAME.matcher(s).matches()) {
                throw error(key, "not a valid host name: '" + s + "'", null);
            }
            return s;
        }

        String pathPrefix(final String key, final String dflt) throws ConfigException {
            String s = string(key, dflt).trim();
            if (!s.startsWith("/")) {
                s = "/" + s;
            }
            if (!s.endsWith("/")) {
                s = s + "/";
            }
            if (!s.matches("/([A-Za-z0-9._~-]+/)*") || s.contains("/../") || s.contains("/./")) {
                throw error(key, "expected a path like /hidden-a1b2/ made of letters, digits and . _ ~ -",
                        node.get(key));
            }
            return s;
        }
    }
}
