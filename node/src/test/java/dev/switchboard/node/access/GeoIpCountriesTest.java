package dev.switchboard.node.access;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeoIpCountriesTest {

    /** @return MaxMind's test database (see test resources geoip/README.md) copied to {@code dir}. */
    static Path testDatabase(final Path dir) throws IOException {
        final Path file = dir.resolve("GeoIP2-Country-Test.mmdb");
        try (InputStream in = GeoIpCountriesTest.class.getResourceAsStream("/geoip/GeoIP2-Country-Test.mmdb")) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void country_placesTheTestNetworks(@TempDir final Path dir) throws Exception {
        try (GeoIpCountries db = GeoIpCountries.open(testDatabase(dir))) {
            assertEquals("GB", db.country(InetAddress.getByName("81.2.69.142")));
            assertEquals("SE", db.country(InetAddress.getByName("89.160.20.112")));
            assertEquals("US", db.country(InetAddress.getByName("216.160.83.56")));
            assertEquals("JP", db.country(InetAddress.getByName("2001:218::1")));
            assertNull(db.country(InetAddress.getByName("127.0.0.1")));
            assertNull(db.country(InetAddress.getByName("10.1.2.3")));
        }
    }

    @Test
    void open_refusesAFileThatIsNoDatabase_namingIt(@TempDir final Path dir) throws Exception {
        final Path junk = Files.writeString(dir.resolve("junk.mmdb"), "not a database");
        final IOException e = assertThrows(IOException.class, () -> GeoIpCountries.open(junk));
        assertTrue(e.getMessage().contains(junk.toString()), e.getMessage());
        final IOException missing = assertThrows(IOException.class, () -> GeoIpCountries.open(dir.resolve("none.mmdb")));
        assertTrue(missing.getMessage().contains("none.mmdb"), missing.getMessage());
    }
}
