package dev.switchboard.node.access;

import com.maxmind.db.CHMCache;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CountryResponse;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * A {@link CountryLookup} over a MaxMind GeoLite2/GeoIP2 Country (or City) database file, read
 * with MaxMind's {@code geoip2} library (memory-mapped, with its concurrent cache). Thread-safe;
 * {@link #close()} unmaps the file.
 */
public final class GeoIpCountries implements CountryLookup, Closeable {

    private final DatabaseReader reader;
    private final Path file;

    private GeoIpCountries(final DatabaseReader reader, final Path file) {
        this.reader = reader;
        this.file = file;
    }

    /**
     * @param file a {@code .mmdb} file
     * @return the lookup
     * @throws IOException naming the file when it cannot be read or is not a MaxMind database
     */
    public static @NotNull GeoIpCountries open(final @NotNull Path file) throws IOException {
        try {
            final DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).withCache(new CHMCache()).build();
            final String type = reader.getMetadata().getDatabaseType();
            if (!type.contains("Country") && !type.contains("City")) {
                reader.close();
                throw new IOException(file + " is a " + type + " database, not a country or city database");
            }
            return new GeoIpCountries(reader, file);
        } catch (final IOException e) {
            throw e.getMessage() != null && e.getMessage().contains(file.toString()) ? e
                    : new IOException("cannot read the GeoIP database " + file + ": " + e.getMessage(), e);
        } catch (final RuntimeException e) {
            throw new IOException("cannot read the GeoIP database " + file + ": " + e, e);
        }
    }

    @Override
    public @Nullable String country(final @NotNull InetAddress address) {
        try {
            final Optional<CountryResponse> found = reader.tryCountry(address);
            if (found.isEmpty()) {
                return null;
            }
            final String iso = found.get().getCountry().getIsoCode();
            return iso == null ? null : iso.toUpperCase(Locale.ROOT);
        } catch (final IOException | GeoIp2Exception | RuntimeException e) {
            return null; // a corrupt record places nobody; never an exception on the hot path
        }
    }

    /** @return the database file */
    public @NotNull Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
