/**
 * TLS for the web server and the broker's WebSocket listener: a self-signed certificate made with
 * BouncyCastle on first start and kept in the data directory, or PEM files named by the
 * configuration; its SHA-256 fingerprint for people to compare; a PKCS#12 copy for HiveMQ.
 */
package dev.switchboard.node.tls;
