/**
 * The embedded MQTT 5 broker (HiveMQ Community Edition) that browsers reach over WebSocket:
 * {@link dev.switchboard.broker.EmbeddedBroker}, built from one immutable
 * {@link dev.switchboard.broker.BrokerSettings}. It knows MQTT, topics and identities, nothing of
 * SDP or UDP; the node plugs its signaling rules in through {@link dev.switchboard.broker.spi}.
 */
package dev.switchboard.broker;
