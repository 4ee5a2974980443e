/**
 * The configuration file: one YAML document read and validated into the immutable
 * {@link dev.switchboard.node.config.NodeConfig}, whose sections are the settings the components
 * take. Every default is written once, in {@link dev.switchboard.node.config.ConfigLoader}.
 * Errors name the key and the value. {@link dev.switchboard.node.config.IpLiteral} is the one rule
 * for IP literals; {@link dev.switchboard.node.config.BrokerSettingsMapping} the one mapping into
 * the broker module's settings.
 */
package dev.switchboard.node.config;
