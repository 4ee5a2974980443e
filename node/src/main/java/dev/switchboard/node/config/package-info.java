/**
 * The configuration file: one YAML document read and validated into the immutable
 * {@link dev.switchboard.node.config.NodeConfig}; every default lives in
 * {@link dev.switchboard.node.config.ConfigLoader}. Errors name the key and the value.
 */
package dev.switchboard.node.config;
