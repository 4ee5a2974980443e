/**
 * The part of OSHI's API that HiveMQ CE calls, answered from the JVM, so that the broker runs
 * without OSHI and JNA (the root POM excludes them from HiveMQ CE's dependencies). See
 * {@link oshi.SystemInfo}.
 */
package oshi;
