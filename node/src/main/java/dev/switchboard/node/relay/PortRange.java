package dev.switchboard.node.relay;

/**
 * An inclusive range of UDP ports for relay sessions, e.g. 40000-40199 (200 ports = 100
 * sessions, two ports each).
 *
 * @param first lowest port, 1..65535
 * @param last highest port, first..65535
 */
public record PortRange(int first, int last) {
    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("port range " + first + "-" + last + " is not within 1-65535 ascending");
        }
    }

    /** @return number of ports in the range */
    public int size() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
