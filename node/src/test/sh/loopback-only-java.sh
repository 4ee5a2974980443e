#!/bin/sh
# Failsafe's JVM for integration tests: the real java, started inside a new network namespace
# whose only interface is loopback. Tests may then only ever reach 127.0.0.0/8 and ::1.
# SWITCHBOARD_REAL_JAVA is set by the POM from ${java.home}; JAVA_HOME is not used because
# the plugin points it at this wrapper.
set -eu
real_java="${SWITCHBOARD_REAL_JAVA:-}"
if [ -z "$real_java" ]; then
  real_java="$(readlink -f "$(command -v java)")"
fi
# As root a plain network namespace; otherwise one inside a new user namespace, where allowed.
if [ "$(id -u)" -eq 0 ]; then
  exec unshare --net sh -c 'ip link set lo up && exec "$0" "$@"' "$real_java" "$@"
fi
exec unshare --net --map-root-user sh -c 'ip link set lo up && exec "$0" "$@"' "$real_java" "$@"
