/**
 * The topic grammar of protocol version 1 ({@code sb/v1/...}) and the subscribe/publish policy,
 * as pure values: parse results, never exceptions, for untrusted topic strings.
 */
package dev.switchboard.broker.topic;
