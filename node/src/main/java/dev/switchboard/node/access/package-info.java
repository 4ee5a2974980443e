/**
 * Who may reach the node at all, and the admins' secret paths: IP allow-lists
 * ({@link dev.switchboard.node.access.Cidr}), the country allow-list over a MaxMind database
 * ({@link dev.switchboard.node.access.GeoIpCountries}), scanner blocking
 * ({@link dev.switchboard.node.access.ScannerBlocker}, pure, with an injected clock), the bad
 * attempts the super-admin sees ({@link dev.switchboard.node.access.AccessEvents}) and the
 * constant-time secret path matching ({@link dev.switchboard.node.access.AdminPaths}).
 * {@link dev.switchboard.node.access.AccessControl} puts the rules together and is handed to the
 * web server (as its gate), the broker (as its {@code AddressGate}) and the STUN service.
 *
 * <p>Decisions: a refused request looks from outside exactly like a request for an unknown path
 * (web: the same 404; broker: closed at accept without an answer; STUN: no answer), so an
 * allow-list or a block cannot be told from a miss; addresses no country database can place
 * (loopback, private networks) pass the country rule, so a home network keeps working; the
 * rules reload with the configuration file.
 */
package dev.switchboard.node.access;
