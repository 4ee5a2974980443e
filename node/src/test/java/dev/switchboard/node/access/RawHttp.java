package dev.switchboard.node.access;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Plain HTTP/1.1 on a socket bound to a chosen loopback source address, returning the raw bytes
 * of the response, so tests can compare answers byte for byte and act as "another machine"
 * (127.0.0.2, 127.0.0.3, ...).
 */
final class RawHttp {
    private RawHttp() {
    }

    /** @return the whole response (the node answers with Connection: close for this request) */
    static byte[] get(final InetAddress source, final int port, final String target) throws IOException {
        return request(source, port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nConnection: close\r\n\r\n");
    }

    static byte[] request(final InetAddress source, final int port, final String request) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            final InputStream in = s.getInputStream();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                if (out.size() > 4 << 20) {
                    throw new IOException("response over 4 MiB");
                }
            }
            return out.toByteArray();
        }
    }

    /** @return the status code of a raw response */
    static int status(final byte[] response) {
        final String text = new String(response, 0, Math.min(response.length, 32), StandardCharsets.ISO_8859_1);
        return Integer.parseInt(text.substring(9, 12));
    }

    /** @return the Date header's value, or "" */
    static String date(final byte[] response) {
        final String text = new String(response, StandardCharsets.ISO_8859_1);
        final int i = text.indexOf("\r\ndate: ");
        final int j = i < 0 ? text.indexOf("\r\nDate: ") : i;
        return j < 0 ? "" : text.substring(j + 8, text.indexOf("\r\n", j + 2));
    }

    /**
     * Asks for two targets until both answers carry the same Date (the clock's second can tick
     * between them), so that the two can be compared byte for byte, Date included.
     *
     * @return the two responses
     */
    static byte[][] pairInOneSecond(final InetAddress sourceA, final String targetA, final InetAddress sourceB,
                                    final String targetB, final int port) throws IOException {
        for (int attempt = 0; attempt < 10; attempt++) {
            final byte[] a = get(sourceA, port, targetA);
            final byte[] b = get(sourceB, port, targetB);
            if (date(a).equals(date(b))) {
                return new byte[][] {a, b};
            }
        }
        throw new IOException("ten pairs of answers straddled a second");
    }
}
