/**
 * The HiveMQ extension that enforces the signaling rules: key authentication at CONNECT (MQTT 5
 * enhanced authentication), topic authorization, sender stamping ({@code sb-sender}), the publish
 * interceptor that calls the SPI off the I/O threads, and client lifecycle (leave notices). Thin
 * adapters around the pure code in {@code identity} and {@code topic}.
 */
package dev.switchboard.broker.extension;
