#!/usr/bin/env python3
"""Switchboard's benchmark suite against coturn and a minimal C forwarder (issue 13).

Run through node/scripts/bench/run (which installs what is missing and builds). Everything runs on
loopback on this machine; competitors are measured back to back with Switchboard, rounds
interleaved (the order rotates each round), each trial bounded in time. For every figure the table
gives Switchboard's, the competitor's, the ratio and the CPU that other processes used during the
trials (in cores), so a noisy run shows. Results also go to a JSON file.

Measures (--smoke: one small trial of each, to check that the suite works, not how fast):
  relay   the highest offered rate with under 1% loss (rates stepped up until loss appears, the
          systems side by side: each rate is tried by every system still loss-free, back to back),
          the delivered rate unpaced, one-way latency p50/p99 at 10k pkt/s, CPU of the relay
          process, for 100 B and 1200 B and 1/10/50 flows; Switchboard (RelayBenchServer: the
          node's relay and STUN service with sessions opened through Relay.open), coturn (TURN
          ChannelData, no auth) and fwd.c (recvmmsg/sendmmsg, the practical limit)
  stun    Binding requests/s with under 1% loss (stepped up side by side, as the relay's) and round
          trip p50/p99, Switchboard vs coturn
  alloc   bytes the relay and STUN I/O threads allocated per forwarded packet / answered request
          over the whole run, and GC collections (the JVM's per-thread allocation counters)
  scaling 1, 50 and 500 concurrent sessions (flows) at one fixed total rate: loss, one-way
          p50/p99, CPU and RSS of each relay
  signaling  the packaged node as bin/switchboard runs it against Mosquitto (set_tcp_nodelay):
          pairs of MQTT clients (signaling.mjs) doing offer -> answer exchanges of about 2 KB each
          way, closed loop and paced, 100 and 1,000 pairs, each run after 1 s of the same load
          that is not measured (the generator's own JIT warm-up): plain messages (Switchboard's
          compatibility listener vs Mosquitto, both over WebSocket; Mosquitto over TCP too) and
          real offers and answers that the node checks and rewrites with a relay allocation each;
          connects per second (the node's key challenge-response vs Mosquitto's plain CONNECT);
          RSS with 1,000 and 10,000 idle connections; and, on a node with its default
          configuration (WSS, the limits as shipped), a fresh client's first offer (5 KB) right
          after its login: the time until it is at the other client
  browser real headless Chromium through a real node (BrowserFiguresIT, run by Maven, 20 runs):
          second Join to data channel open through the relay, WebSocket bytes per browser, the
          page's bytes on first load and reload, page load to ready (not in --smoke: CI runs that
          test on its own)
"""
import argparse
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LOOP = "127.0.0.1"
MAGIC = 0x2112A442


def set_ports(base):
    """Every port the suite uses, fixed offsets from --port-base (a block of 6,600 ports)."""
    global SB_RELAY_BASE, SB_STUN, TURN_PORT, TURN_RELAY, FWD_IN, FWD_OUT, SRC_BASE, RECV_BASE, STUN_SRC_BASE
    global SIG_WEB, SIG_WS, SIG_TCP, SIG_COMPAT, SIG_STUN, MQ_TCP, MQ_WS, SIG_RELAY
    SB_RELAY_BASE = base             # Switchboard's relay range (2 ports per session, up to 600)
    SB_STUN = base + 1250
    TURN_PORT = base + 1260
    TURN_RELAY = (base + 1300, base + 1999)
    FWD_IN, FWD_OUT = base + 2000, base + 2600   # up to 600 flows each
    SRC_BASE = base + 3200           # generator sockets (flow i: SRC_BASE + i)
    RECV_BASE = base + 3800          # receiving sockets
    STUN_SRC_BASE = base + 4400
    SIG_WEB, SIG_WS, SIG_TCP, SIG_COMPAT, SIG_STUN = base + 4500, base + 4501, base + 4502, base + 4503, base + 4504
    MQ_TCP, MQ_WS = base + 4510, base + 4511
    SIG_RELAY = (base + 4600, base + 6599)   # the signaling node's relay: 1,000 sessions


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- CPU accounting

def cpu_seconds(pid):
    """utime + stime of a process and its threads, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def udp_backlog():
    """Bytes waiting in the receive queues of every UDP socket on the machine (/proc/net/udp, udp6)."""
    total = 0
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    queues = line.split()[4]  # tx_queue:rx_queue, hex
                    total += int(queues.split(":")[1], 16)
        except OSError:
            pass
    return total


def wait_drained(limit=5.0):
    """Waits (at most `limit` s) until no UDP socket holds queued datagrams, then 0.1 s more."""
    deadline = time.time() + limit
    while udp_backlog() > 0 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)


def busy_seconds():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- STUN / TURN messages (RFC 8489, RFC 8656)

def stun_msg(mtype, attrs=b"", tid=None):
    tid = tid or os.urandom(12)
    return struct.pack("!HHI", mtype, len(attrs), MAGIC) + tid + attrs, tid


def attr(t, v):
    pad = (4 - len(v) % 4) % 4
    return struct.pack("!HH", t, len(v)) + v + b"\0" * pad


def xor_addr(port):
    ip = struct.unpack("!I", socket.inet_aton(LOOP))[0]
    return struct.pack("!BBHI", 0, 1, port ^ (MAGIC >> 16), ip ^ MAGIC)


def transact(sock, dest, mtype, attrs=b""):
    msg, tid = stun_msg(mtype, attrs)
    for _ in range(5):
        sock.sendto(msg, dest)
        sock.settimeout(0.5)
        try:
            while True:
                data, _ = sock.recvfrom(2048)
                if data[8:20] == tid:
                    return struct.unpack("!H", data[:2])[0], data
        except socket.timeout:
            continue
    raise RuntimeError(f"no answer from {dest} to STUN/TURN type 0x{mtype:04x}")


def bound(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LOOP, port))
    return s


# ---------------------------------------------------------------- the systems under test

class Switchboard:
    name = "switchboard"

    def __init__(self, jar_dir, java_opts, sessions):
        cp = os.path.join(jar_dir, "switchboard.jar") + ":" + os.path.join(jar_dir, "lib", "*")
        cmd = ["java"] + java_opts + ["-cp", cp, os.path.join(HERE, "RelayBenchServer.java"),
                                      str(SB_RELAY_BASE), str(SB_STUN), str(sessions)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     stderr=open(os.path.join(OUT, "switchboard.log"), "w"))
        info = json.loads(self.read_json('{"stun"'))
        self.stun = info["stun"]
        self.sessions = info["sessions"]
        self.pid = self.proc.pid

    def setup(self, flows):
        """Proves each flow's two sockets through our STUN service and lets the receiver be learned."""
        for i in range(flows):
            pa, pb = self.sessions[i]
            with bound(SRC_BASE + i) as s:
                transact(s, (LOOP, self.stun), 0x0001)
            with bound(RECV_BASE + i) as r:
                transact(r, (LOOP, self.stun), 0x0001)
                r.sendto(b"\x80" + b"\0" * 15, (LOOP, pa))  # B's side: makes this socket B's destination
        time.sleep(0.05)
        return [self.sessions[i][1] for i in range(flows)]  # A sends to pB

    def read_json(self, start):
        """The next stdout line that starts with `start` (the node's log lines go to stdout too)."""
        for _ in range(10_000):
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("RelayBenchServer stopped (see switchboard.log)")
            if line.startswith(start):
                return line

    def stats(self):
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.read_json('{"relayPackets"'))

    def stop(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(10)
        except Exception:
            self.proc.kill()


class Coturn:
    name = "coturn"

    def __init__(self):
        cmd = ["turnserver", "-n", "--no-auth", "--listening-ip", LOOP, "--listening-port", str(TURN_PORT),
               "--relay-ip", LOOP, "--min-port", str(TURN_RELAY[0]), "--max-port", str(TURN_RELAY[1]),
               "--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls", "--no-tcp-relay",
               "--simple-log", "--log-file", os.path.join(OUT, "coturn.log"), "--pidfile", os.path.join(OUT, "coturn.pid")]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.stun = TURN_PORT
        deadline = time.time() + 10
        while True:
            try:
                with bound(0) as s:
                    transact(s, (LOOP, TURN_PORT), 0x0001)
                break
            except Exception:
                if time.time() > deadline:
                    raise RuntimeError("coturn did not answer (see coturn.log)")
                time.sleep(0.2)

    def setup(self, flows):
        """One allocation per flow (a TURN client on the generator's socket) and a channel to the receiver."""
        for i in range(flows):
            with bound(SRC_BASE + i) as s:
                t, _ = transact(s, (LOOP, TURN_PORT), 0x0003, attr(0x0019, b"\x11\0\0\0"))  # Allocate, UDP
                if t == 0x0113:
                    transact(s, (LOOP, TURN_PORT), 0x0004)  # exists already (437): Refresh it
                t, _ = transact(s, (LOOP, TURN_PORT), 0x0009,
                                attr(0x000C, struct.pack("!HH", 0x4000 + i, 0)) + attr(0x0012, xor_addr(RECV_BASE + i)))
                if t != 0x0109:
                    raise RuntimeError(f"coturn refused ChannelBind (type 0x{t:04x})")
        return [TURN_PORT] * flows

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Forwarder:
    name = "c-forwarder"

    def __init__(self, bin_dir, flows):
        self.proc = subprocess.Popen([os.path.join(bin_dir, "fwd"), str(flows), str(FWD_IN), str(FWD_OUT),
                                      str(RECV_BASE), "2"])
        self.pid = self.proc.pid
        time.sleep(0.2)

    def setup(self, flows):
        return [FWD_IN + i for i in range(flows)]

    def stop(self):
        self.proc.kill()
        self.proc.wait(10)


# ---------------------------------------------------------------- signaling: the node and Mosquitto

def rss_mb(pid):
    """Resident set size (VmRSS) of a process, in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def wait_port(port, seconds, proc, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited (code {proc.returncode})")
        try:
            with socket.create_connection((LOOP, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {seconds} s")


class SwitchboardNode:
    """The packaged node as bin/switchboard starts it (the launcher's JVM options, SWITCHBOARD_JAVA_OPTS
    added), plain HTTP/WebSocket/TCP like Mosquitto here, its compatibility listener on, and the limits
    per source address lifted (every bench client comes from 127.0.0.1). With defaults=True, the
    node's own defaults instead (HTTPS and WSS, every limit as shipped), only its ports set."""
    name = "switchboard"

    def __init__(self, dist, extra_java_opts="", defaults=False):
        home = os.path.join(OUT, "signaling-node")
        shutil.rmtree(home, ignore_errors=True)
        os.makedirs(home)
        config = os.path.join(home, "switchboard.yaml")
        with open(config, "w") as f:
            if defaults:
                f.write(f"""dataDir: {home}/data
web: {{bind: {LOOP}, port: {SIG_WEB}}}
broker: {{bind: {LOOP}, webSocketPort: {SIG_WS}, tcpPort: {SIG_TCP}}}
stun: {{bind: {LOOP}, port: {SIG_STUN}}}
relay: {{bind: {LOOP}, portRange: {SIG_RELAY[0]}-{SIG_RELAY[1]}}}
metrics: {{port: -1}}
""")
            else:
                f.write(f"""dataDir: {home}/data
web: {{bind: {LOOP}, port: {SIG_WEB}, tls: false}}
broker: {{bind: {LOOP}, webSocketPort: {SIG_WS}, tcpPort: {SIG_TCP},
  compat: {{port: {SIG_COMPAT}, maxMessageBytes: 65536, publishMessagesPerSecond: 1000,
            publishMessagesPerSecondPerAddress: 10000}}}}
stun: {{bind: {LOOP}, port: {SIG_STUN}}}
relay: {{bind: {LOOP}, portRange: {SIG_RELAY[0]}-{SIG_RELAY[1]}, maxSessions: 1000, maxSessionsPerPeer: 8,
        maxSessionsPerAddress: 1000}}
metrics: {{port: -1}}
limits: {{connectionsPerAddress: 100000, publishMessagesPerSecond: 100000, publishBurst: 1000000,
  publishBytesPerSecond: 1073741824, publishByteBurst: 1073741824, readBytesPerSecond: 1073741824}}
""")
        launcher = os.path.join(HERE, "..", "..", "src", "main", "packaging", "bin", "switchboard")
        # The caller's SWITCHBOARD_JAVA_OPTS (to compare JVM options) come first, this row's after them.
        opts = " ".join(o for o in (os.environ.get("SWITCHBOARD_JAVA_OPTS", ""), extra_java_opts) if o)
        env = dict(os.environ, SWITCHBOARD_HOME=dist, SWITCHBOARD_JAVA_OPTS=opts)
        real_java = os.environ.get("SWITCHBOARD_REAL_JAVA")
        if real_java:
            # Under the integration tests JAVA_HOME names the wrapper that starts every JVM in a new
            # network namespace (node/src/test/sh): the node must run in this one.
            env["JAVA_HOME"] = os.path.dirname(os.path.dirname(os.path.realpath(real_java)))
        self.log_path = os.path.join(OUT, "signaling-node.log")
        t0 = time.time()
        self.proc = subprocess.Popen([launcher, "--config", config], env=env, stdin=subprocess.DEVNULL,
                                     stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        self.pid = self.proc.pid  # the launcher execs java
        deadline = time.time() + 180
        while True:
            with open(self.log_path) as f:
                if "Switchboard is running" in f.read():
                    break
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the node did not start (see {self.log_path})")
            time.sleep(0.05)
        self.ready_seconds = round(time.time() - t0, 2)
        for port in (SIG_WEB, SIG_WS, SIG_TCP) if defaults else (SIG_WEB, SIG_TCP, SIG_COMPAT):
            wait_port(port, 30, self.proc, f"the node (see {self.log_path})")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


class Mosquitto:
    name = "mosquitto"

    def __init__(self):
        config = os.path.join(OUT, "mosquitto.conf")
        with open(config, "w") as f:
            f.write(f"""per_listener_settings false
allow_anonymous true
set_tcp_nodelay true
max_connections -1
max_inflight_messages 0
max_queued_messages 100000
persistence false
log_dest none
listener {MQ_TCP} {LOOP}
listener {MQ_WS} {LOOP}
protocol websockets
""")
        self.proc = subprocess.Popen(["mosquitto", "-c", config], stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(OUT, "mosquitto.log"), "w"))
        self.pid = self.proc.pid
        wait_port(MQ_TCP, 20, self.proc, "mosquitto")
        wait_port(MQ_WS, 20, self.proc, "mosquitto")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def run_signaling_client(args, pid, timeout=600):
    """Runs signaling.mjs; returns its JSON with the CPU (cores) of the broker process and of the client."""
    before = cpu_seconds(pid)
    busy0 = busy_seconds()
    t0 = time.time()
    ru0 = os.times()
    proc = subprocess.run(["node", os.path.join(HERE, "signaling.mjs")] + [str(x) for x in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    wall = time.time() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"signaling.mjs {args}: {proc.stderr.strip()[-2000:]}")
    ru1 = os.times()
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["broker_cpu"] = round((cpu_seconds(pid) - before) / wall, 3)
    result["client_cpu"] = round((ru1.children_user + ru1.children_system - ru0.children_user - ru0.children_system) / wall, 3)
    result["foreign_cpu"] = round(max(0.0, (busy_seconds() - busy0) / wall - result["broker_cpu"] - result["client_cpu"]), 3)
    run_gen.children = ru1.children_user + ru1.children_system
    return result


def idle_rss(target, url, count, pid, settle):
    """Opens `count` idle connections (signaling.mjs idle), waits `settle` s, returns the broker's RSS in MB."""
    proc = subprocess.Popen(["node", os.path.join(HERE, "signaling.mjs"), "idle", "--target", target, "--url", url,
                             "--count", str(count), "--concurrency", "100"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith('{"up"'):
            raise RuntimeError(f"idle clients did not come up: {line} {proc.stderr.read()[-2000:]}")
        up = json.loads(line)
        time.sleep(settle)  # let the broker settle (GC, buffers) before reading its memory
        return {"connections": count, "rss_mb": rss_mb(pid), "connect_seconds": up["seconds"]}
    finally:
        proc.stdin.close()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


def signaling(a, results):
    """Signaling: Switchboard's broker (and its checks and rewriting) side by side with Mosquitto."""
    if not shutil.which("mosquitto"):
        log("mosquitto is not installed: signaling measured without it")
    if not shutil.which("node"):
        log("node (Node.js) is not installed: signaling not measured")
        return
    smoke = a.smoke
    pair_counts = [5] if smoke else [100, 1000]
    seconds = 1 if smoke else 5
    paced = 100 if smoke else 1000
    rounds = 1 if smoke else a.rounds
    warmup = 0.2 if smoke else 1
    counts_idle = [50] if smoke else [1000, 10000]
    sig = results["signaling"]
    node = SwitchboardNode(a.dist)
    mq = Mosquitto() if shutil.which("mosquitto") else None
    results["signaling_node_ready_s"] = node.ready_seconds
    try:
        web = f"http://{LOOP}:{SIG_WEB}/"
        systems = [("switchboard-compat", "plain", f"ws://{LOOP}:{SIG_COMPAT}/mqtt", node.pid),
                   ("switchboard", "switchboard", web, node.pid)]
        if mq:
            systems += [("mosquitto-ws", "plain", f"ws://{LOOP}:{MQ_WS}/", mq.pid),
                        ("mosquitto-tcp", "plain", f"mqtt://{LOOP}:{MQ_TCP}", mq.pid)]
        for rnd in range(rounds):
            order = systems[rnd % len(systems):] + systems[:rnd % len(systems)]
            for pairs in pair_counts:
                for rate in (0, paced):
                    for name, target, url, pid in order:
                        r = run_signaling_client(["exchange", "--target", target, "--url", url, "--pairs", pairs,
                                                  "--seconds", seconds, "--rate", rate, "--size", 2000,
                                                  "--warmup", warmup], pid)
                        r.update({"round": rnd, "system": name, "measure": "exchange"})
                        sig.append(r)
                        log(f"round {rnd} signaling {name:18} {pairs:5} pairs {'closed loop' if not rate else f'paced {rate}/s':>14}: "
                            f"{r['exchanges_per_s']:>8.0f} exchanges/s, p50/p99 {r['p50_ms']}/{r['p99_ms']} ms, errors {r['errors']}, "
                            f"broker CPU {r['broker_cpu']}, client CPU {r['client_cpu']} "
                            f"(warm-up before it: p50/p99 {r.get('warmup_p50_ms')}/{r.get('warmup_p99_ms')} ms)")
            connectors = [("switchboard", "switchboard", web, node.pid)]
            if mq:
                connectors.append(("mosquitto-tcp", "plain", f"mqtt://{LOOP}:{MQ_TCP}", mq.pid))
            for name, target, url, pid in connectors:
                r = run_signaling_client(["connect", "--target", target, "--url", url,
                                          "--count", 50 if smoke else 1000, "--concurrency", 50], pid)
                r.update({"round": rnd, "system": name, "measure": "connect"})
                sig.append(r)
                log(f"round {rnd} connect   {name:18}: {r['connects_per_s']:>8.0f} connects/s, p50/p99 {r['p50_ms']}/{r['p99_ms']} ms")
    finally:
        node.stop()
        if mq:
            mq.stop()
    # A caller's first offer right after its page connected, on the node as it ships (WSS, every
    # limit as configured by default): what the rows above, with TLS off and the limits lifted,
    # cannot show. Mosquitto has no equivalent (no login proof, no offer checks).
    node = SwitchboardNode(a.dist, defaults=True)
    try:
        for rnd in range(rounds):
            r = run_signaling_client(["first", "--target", "switchboard", "--url", f"https://{LOOP}:{SIG_WEB}/",
                                      "--count", 3 if smoke else 30, "--warmup-count", 1 if smoke else 10,
                                      "--size", 5000], node.pid)
            r.update({"round": rnd, "system": "switchboard-defaults", "measure": "first"})
            sig.append(r)
            log(f"round {rnd} first offer after the login ({r['transport']}, default configuration, "
                f"{r['size']} B): p50/p99 {r['p50_ms']}/{r['p99_ms']} ms")
    finally:
        node.stop()
    # Memory with idle connections, each on a fresh broker. 10,000 connections need more heap than the
    # launcher's -Xmx128m (about 30 KB each): that row runs with -Xmx512m added.
    for count in counts_idle:
        opts = "-Xmx512m" if count > 3000 else ""
        node = SwitchboardNode(a.dist, opts)
        try:
            idle0 = rss_mb(node.pid)
            r = idle_rss("switchboard", f"http://{LOOP}:{SIG_WEB}/", count, node.pid, 2 if smoke else 10)
            r.update({"system": "switchboard", "measure": "idle", "rss_idle_mb": idle0, "java_opts_added": opts})
            sig.append(r)
            log(f"idle      switchboard {count:6} connections: RSS {r['rss_mb']} MB (before {idle0} MB) {opts}")
        finally:
            node.stop()
        if shutil.which("mosquitto"):
            mq = Mosquitto()
            try:
                idle0 = rss_mb(mq.pid)
                r = idle_rss("plain", f"mqtt://{LOOP}:{MQ_TCP}", count, mq.pid, 2 if smoke else 10)
                r.update({"system": "mosquitto-tcp", "measure": "idle", "rss_idle_mb": idle0})
                sig.append(r)
                log(f"idle      mosquitto   {count:6} connections: RSS {r['rss_mb']} MB (before {idle0} MB)")
            finally:
                mq.stop()


def signaling_table(results):
    rows = results.get("signaling") or []
    if not rows:
        return "(signaling not measured)"
    lines = ["| signaling measure | Switchboard | Mosquitto | ratio | broker CPU (SB / Mosquitto) | foreign CPU (max) |",
             "|---|---|---|---|---|---|"]

    def pick(system, measure, **match):
        return [r for r in rows if r["system"] == system and r["measure"] == measure
                and all(r.get(k) == v for k, v in match.items())]

    def med(rs, key):
        return median([r.get(key) for r in rs])

    def line(label, sb_rows, mq_rows, key, invert=False, digits=0):
        s, m = med(sb_rows, key), med(mq_rows, key)
        ratio = "-" if not s or not m else f"{(m / s if invert else s / m):.2f}x"
        cpu = f"{med(sb_rows, 'broker_cpu')} / {med(mq_rows, 'broker_cpu')}"
        foreign = max([r.get("foreign_cpu", 0) for r in sb_rows + mq_rows], default=0)
        f = (lambda v: "-" if v is None else f"{v:,.{digits}f}")
        lines.append(f"| {label} | {f(s)} | {f(m)} | {ratio} | {cpu} | {foreign} |")

    pair_counts = sorted({r["pairs"] for r in rows if r["measure"] == "exchange"})
    rates = sorted({r["rate"] for r in rows if r["measure"] == "exchange"})
    for pairs in pair_counts:
        for rate in rates:
            how = "closed loop" if not rate else f"paced {rate}/s"
            for sb, mq, what in (("switchboard-compat", "mosquitto-ws", "plain, WebSocket"),
                                 ("switchboard", "mosquitto-tcp", "checked + rewritten (SB) vs plain (Mosquitto), TCP")):
                a = pick(sb, "exchange", pairs=pairs, rate=rate)
                b = pick(mq, "exchange", pairs=pairs, rate=rate)
                line(f"{what}, {pairs} pairs, {how}: exchanges/s", a, b, "exchanges_per_s")
                line(f"{what}, {pairs} pairs, {how}: p50 ms", a, b, "p50_ms", True, 2)
                line(f"{what}, {pairs} pairs, {how}: p99 ms", a, b, "p99_ms", True, 2)
    for size in sorted({r["size"] for r in rows if r["measure"] == "first"}):
        first = pick("switchboard-defaults", "first", size=size)
        line(f"first offer ({size:,} B) right after the login, WSS, the node's default configuration: p50 ms",
             first, [], "p50_ms", True, 2)
        line(f"first offer ({size:,} B) right after the login, WSS, the node's default configuration: p99 ms",
             first, [], "p99_ms", True, 2)
    line("connects/s (SB: key challenge-response; Mosquitto: plain CONNECT), TCP",
         pick("switchboard", "connect"), pick("mosquitto-tcp", "connect"), "connects_per_s")
    for count in sorted({r["connections"] for r in rows if r["measure"] == "idle"}):
        sb = pick("switchboard", "idle", connections=count)
        extra = sb[0].get("java_opts_added") if sb else ""
        line(f"RSS MB with {count:,} idle connections{' (SB with ' + extra + ')' if extra else ''}",
             sb, pick("mosquitto-tcp", "idle", connections=count), "rss_mb", True, 1)
    errors = sum(r.get("errors", 0) for r in rows if r["measure"] == "exchange")
    # A pair whose warm-up exchange never ended (a message lost or over 5 s late) is left out of
    # its run's measured phase: say how often, and where.
    stalled = [f"{r['system']} {r['pairs']} pairs round {r.get('round')}: {r['warmup_unfinished_pairs']}"
               for r in rows if r["measure"] == "exchange" and r.get("warmup_unfinished_pairs")]
    unrewritten = sum(r.get("unrewritten_offers", 0) for r in rows if r["system"] == "switchboard")
    lines.append("")
    lines.append(f"ratio: Switchboard / Mosquitto (for latency and memory Mosquitto / Switchboard: above 1 means "
                 f"Switchboard is better); exchange errors {errors}; offers the node did not rewrite {unrewritten}; "
                 f"pairs that did not finish the warm-up {'; '.join(stalled) if stalled else 0}; "
                 f"the signaling node was ready {results.get('signaling_node_ready_s')} s after the launcher started")
    return "\n".join(lines)


# ---------------------------------------------------------------- browser figures

def browser(a, results):
    """Runs BrowserFiguresIT (real Chromium, real node) through Maven and keeps its figures."""
    root = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
    cmd = ["mvn", "-B", "-q", "-f", os.path.join(root, "pom.xml"), "-pl", "node", "-am", "verify",
           "-Dtest=none", "-Dit.test=BrowserFiguresIT", f"-Dswitchboard.bench.browserRuns={a.browser_runs}",
           "-Dsurefire.failIfNoSpecifiedTests=false", "-Dfailsafe.failIfNoSpecifiedTests=false"]
    log(f"browser figures: {' '.join(cmd)}")
    with open(os.path.join(OUT, "browser-maven.log"), "w") as out:
        code = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=1800).returncode
    figures = os.path.join(root, "node", "target", "bench", "browser.json")
    if code != 0 or not os.path.exists(figures):
        log(f"browser figures failed (see {os.path.join(OUT, 'browser-maven.log')})")
        return
    with open(figures) as f:
        results["browser"] = json.load(f)
    with open(os.path.join(root, "node", "target", "bench", "browser.md")) as f:
        results["browser_table"] = f.read().strip()


# ---------------------------------------------------------------- one trial

def run_gen(args, pids):
    """Runs udpbench; returns its JSON plus CPU (cores) of each pid in pids, of the generator and of everything else."""
    before = {p: cpu_seconds(p) for p in pids}
    busy0 = busy_seconds()
    t0 = time.time()
    proc = subprocess.Popen([os.path.join(BIN, "udpbench")] + [str(a) for a in args], stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=120)
    _, status, usage = None, proc.returncode, None
    wall = time.time() - t0
    busy = busy_seconds() - busy0
    if status != 0 or not out.strip():
        raise RuntimeError(f"udpbench failed: {args}")
    result = json.loads(out)
    result["seconds_planned"] = float(args[args.index("--duration") + 1])
    gen_cpu = 0.0
    try:
        # the generator's own CPU: from its rusage (children of this process)
        ru = os.times()
        gen_cpu = ru.children_user + ru.children_system - run_gen.children
        run_gen.children = ru.children_user + ru.children_system
    except Exception:
        pass
    cpu = {p: (cpu_seconds(p) - before[p]) / wall for p in pids}
    result["system_cpu"] = round(sum(cpu.values()), 3)
    result["generator_cpu"] = round(gen_cpu / wall, 3)
    result["foreign_cpu"] = round(max(0.0, busy / wall - result["system_cpu"] - result["generator_cpu"]), 3)
    return result


run_gen.children = 0.0


def relay_trial(system, dests, flows, size, rate, seconds, threads):
    args = ["--flows", flows, "--threads", threads, "--size", size, "--rate", rate, "--duration", seconds,
            "--src-port", SRC_BASE, "--recv-port", RECV_BASE, "--dst-ports", ",".join(str(d) for d in dests)]
    if isinstance(system, Coturn):
        args.append("--channel")
    return run_gen(args, [system.pid])


def loss_free(r, rate):
    """Whether a paced trial at `rate` lost under 1% and the generator offered at least 90% of it."""
    return r["loss"] < 0.01 and r["sent"] >= 0.9 * rate * r["seconds_planned"]


def max_loss_free_side_by_side(trials, rates):
    """The highest of the stepped rates with under 1% loss for each system, the systems stepped up
    together: at each rate every system still loss-free runs its trial, back to back (the order
    rotating with the step), and a system leaves at its first lossy rate.

    Stepping one system all the way up before the next starts let a slower period of the machine
    fall on one system's steps only: on the two shared cores the C forwarder and the relay both lose
    at 400k pkt/s for minutes at a time and neither does in between (docs/performance.md, "Relay,
    seventh round"), so the ratio measured which system's search met such a period.

    trials: {name: trial(rate) -> udpbench result}, in the round's order. Returns {name: (best
    rate or 0, the trial at it or None, the trials run in order)}."""
    found = {name: [0, None, []] for name in trials}
    stepping = list(trials)
    for step, rate in enumerate(rates):
        if not stepping:
            break
        k = step % len(stepping)
        for name in stepping[k:] + stepping[:k]:
            r = trials[name](rate)
            found[name][2].append(r)
            if loss_free(r, rate):
                found[name][0], found[name][1] = rate, r
            else:
                stepping.remove(name)
    return {name: tuple(v) for name, v in found.items()}


def median(values):
    v = sorted(x for x in values if x is not None)
    return v[len(v) // 2] if v else None


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", required=True, help="directory with switchboard.jar and lib/")
    ap.add_argument("--bin", required=True, help="directory with the compiled udpbench and fwd")
    ap.add_argument("--out", required=True, help="directory for results.json and logs")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=1.0, help="length of each trial")
    ap.add_argument("--smoke", action="store_true", help="one short trial of each measure")
    ap.add_argument("--port-base", type=int, default=24000,
                    help="first of the 6,600 loopback ports used (below the ephemeral range)")
    ap.add_argument("--only", default="relay,scaling,stun,signaling,browser",
                    help="comma-separated parts to run: relay, scaling, stun, signaling, browser")
    ap.add_argument("--browser-runs", type=int, default=20, help="runs of the browser figures")
    ap.add_argument("--java-opts", default="-XX:+UseSerialGC -Xms16m -Xmx128m -Xmn8m -XX:MinHeapFreeRatio=25 "
                    "-XX:MaxHeapFreeRatio=40 -XX:TieredStopAtLevel=1 -XX:MaxMetaspaceSize=96m -Xss512k",
                    help="the launcher's JVM options (bin/switchboard)")
    a = ap.parse_args()
    global OUT, BIN
    OUT, BIN = a.out, a.bin
    set_ports(a.port_base)
    os.makedirs(OUT, exist_ok=True)

    parts = set(a.only.split(","))
    if a.smoke:
        sizes, flow_counts, rounds, seconds = [100], [1], 1, 0.3
        rates = [2000, 5000]
        stun_rates = [2000]
        scaling_flows, scaling_rate = [1, 5], 2000
    else:
        sizes, flow_counts, rounds, seconds = [100, 1200], [1, 10, 50], a.rounds, a.seconds
        # Steps of at most 1.5x above 50k, so that a 1.5x ratio between two systems can show.
        rates = [5_000, 10_000, 25_000, 50_000, 75_000, 100_000, 125_000, 150_000, 175_000, 200_000, 250_000, 300_000,
                 400_000, 600_000, 800_000, 1_000_000, 1_300_000]
        stun_rates = [5_000, 10_000, 25_000, 50_000, 75_000, 100_000, 125_000, 150_000, 200_000, 300_000, 400_000, 600_000]
        scaling_flows, scaling_rate = [1, 50, 500], 50_000
    max_flows = max(flow_counts + (scaling_flows if "scaling" in parts else []))

    systems = []
    started = time.time()
    results = {"machine": {"cores": os.cpu_count(), "load_before": os.getloadavg()[0]},
               "java_opts": a.java_opts, "signaling_java_opts_added": os.environ.get("SWITCHBOARD_JAVA_OPTS", ""),
               "relay": [], "scaling": [], "stun": [], "signaling": []}
    try:
        if parts & {"relay", "scaling", "stun"}:
            systems.append(Switchboard(a.dist, a.java_opts.split(), max_flows))
            if shutil.which("turnserver"):
                systems.append(Coturn())
            else:
                log("coturn (turnserver) is not installed: measured without it")
            systems.append(Forwarder(BIN, max_flows))
            sb = systems[0]
            alloc0 = sb.stats()

            for rnd in range(rounds):
                order = systems[rnd % len(systems):] + systems[:rnd % len(systems)]
                for size in (sizes if "relay" in parts else []):
                    for flows in flow_counts:
                        threads = min(4, flows)
                        trials = {}
                        for system in order:
                            dests = system.setup(flows)
                            trials[system.name] = (lambda rate, s=system, d=dests:
                                                   relay_trial(s, d, flows, size, rate, seconds, threads))
                        searched = max_loss_free_side_by_side(trials, rates)
                        for system in order:
                            trial = trials[system.name]
                            best, best_trial, runs = searched[system.name]
                            unpaced = trial(0)
                            wait_drained()  # the unpaced run's backlog would add its queueing to the latency run
                            latency = trial(10_000) if not a.smoke else runs[0]
                            row = {"round": rnd, "system": system.name, "size": size, "flows": flows,
                                   "loss_free_pps": best, "unpaced_delivered_pps": unpaced["delivered_pps"],
                                   "unpaced_loss": unpaced["loss"],
                                   "p50_us": latency["p50_us"], "p99_us": latency["p99_us"],
                                   "system_cpu_at_best": best_trial["system_cpu"] if best_trial else None,
                                   "foreign_cpu": round(max(r["foreign_cpu"] for r in runs + [unpaced, latency]), 3),
                                   "trials": runs + [unpaced, latency]}
                            results["relay"].append(row)
                            log(f"round {rnd} relay {system.name:12} {size:5} B {flows:3} flows: loss-free {best:>8} pkt/s, "
                                f"unpaced {unpaced['delivered_pps']:>8.0f} (loss {unpaced['loss']:.3f}), "
                                f"p50/p99 {latency['p50_us']:.0f}/{latency['p99_us']:.0f} us, foreign CPU {row['foreign_cpu']}")
                # How cost grows with the number of sessions: the same total rate over 1, 50, 500 flows.
                for flows in (scaling_flows if "scaling" in parts else []):
                    for system in order:
                        dests = system.setup(flows)
                        r = relay_trial(system, dests, flows, 100, scaling_rate, max(seconds, 1.0) if not a.smoke else seconds,
                                        min(4, flows))
                        row = {"round": rnd, "system": system.name, "flows": flows, "rate": scaling_rate,
                               "loss": r["loss"], "p50_us": r["p50_us"], "p99_us": r["p99_us"],
                               "system_cpu": r["system_cpu"], "rss_mb": rss_mb(system.pid),
                               "foreign_cpu": r["foreign_cpu"], "trials": [r]}
                        results["scaling"].append(row)
                        log(f"round {rnd} scale {system.name:12} {flows:3} sessions at {scaling_rate} pkt/s: loss {r['loss']:.4f}, "
                            f"p50/p99 {r['p50_us']:.0f}/{r['p99_us']:.0f} us, CPU {r['system_cpu']}, RSS {row['rss_mb']} MB")
                stun_systems = [s for s in order if hasattr(s, "stun")] if "stun" in parts else []
                stun_trials = {s.name: (lambda rate, s=s: run_gen(["--stun", "--flows", 4, "--threads", 2, "--rate", rate,
                                                                 "--duration", seconds, "--src-port", STUN_SRC_BASE,
                                                                 "--dst-port", s.stun], [s.pid]))
                               for s in stun_systems}
                stun_searched = max_loss_free_side_by_side(stun_trials, stun_rates) if stun_systems else {}
                for system in stun_systems:
                    best, best_trial, runs = stun_searched[system.name]
                    rtt = runs[0]
                    # CPU per answered request at a rate every system met: how much work a request costs,
                    # apart from how much of the cores the system got beside the generator
                    cpu_rate = 25_000 if 25_000 in stun_rates else stun_rates[0]
                    at = next((r for r in runs if r["offered_rate"] == cpu_rate and r["received"]), None)
                    row = {"round": rnd, "system": system.name, "loss_free_per_s": best, "p50_us": rtt["p50_us"],
                           "p99_us": rtt["p99_us"], "foreign_cpu": round(max(r["foreign_cpu"] for r in runs), 3),
                           "cpu_us_per_request": round(at["system_cpu"] * at["seconds"] * 1e6 / at["received"], 2) if at else None,
                           "cpu_rate": cpu_rate, "trials": runs}
                    results["stun"].append(row)
                    log(f"round {rnd} stun  {system.name:12}: loss-free {best:>8}/s, p50/p99 {rtt['p50_us']:.0f}/{rtt['p99_us']:.0f} us "
                        f"at {runs[0]['offered_rate']:.0f}/s, foreign CPU {row['foreign_cpu']}")

            alloc1 = sb.stats()
            packets = alloc1["relayPackets"] - alloc0["relayPackets"]
            answered = alloc1["stunAnswered"] - alloc0["stunAnswered"]
            results["switchboard_alloc"] = {
                "relay_packets": packets, "stun_answered": answered,
                "bytes_per_packet": round((alloc1["allocRelay"] - alloc0["allocRelay"]) / packets, 3) if packets else None,
                "bytes_per_stun_request": round((alloc1["allocStun"] - alloc0["allocStun"]) / answered, 3) if answered else None,
                "gc_collections": alloc1["gcCount"] - alloc0["gcCount"], "gc_millis": alloc1["gcMillis"] - alloc0["gcMillis"]}
    finally:
        for s in systems:
            try:
                s.stop()
            except Exception as e:
                log(f"stopping {s.name}: {e}")

    if "signaling" in parts:
        signaling(a, results)
    if "browser" in parts and not a.smoke:
        browser(a, results)
    results["seconds"] = round(time.time() - started, 1)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if results["relay"] or results["stun"] or results["scaling"]:
        print(table(results))
        print()
    print(signaling_table(results))
    if results.get("browser_table"):
        print()
        print(results["browser_table"])


def table(results):
    lines = ["| measure | Switchboard | coturn | ratio | C forwarder | foreign CPU (max, cores) |", "|---|---|---|---|---|---|"]

    def med(kind, system, key, **match):
        rows = [r for r in results[kind] if r["system"] == system and all(r[k] == v for k, v in match.items())]
        return median([r[key] for r in rows]), max([r["foreign_cpu"] for r in rows], default=None)

    def ratio(x, y, invert=False):
        if not x or not y:
            return "-"
        return f"{(y / x if invert else x / y):.2f}x"

    combos = sorted({(r["size"], r["flows"]) for r in results["relay"]})
    for size, flows in combos:
        for key, label, invert in (("loss_free_pps", "loss-free pkt/s", False),
                                   ("unpaced_delivered_pps", "delivered pkt/s unpaced", False),
                                   ("p50_us", "one-way p50 us at 10k pkt/s", True),
                                   ("p99_us", "one-way p99 us at 10k pkt/s", True)):
            s, fs = med("relay", "switchboard", key, size=size, flows=flows)
            c, fc = med("relay", "coturn", key, size=size, flows=flows)
            k, fk = med("relay", "c-forwarder", key, size=size, flows=flows)
            foreign = max([x for x in (fs, fc, fk) if x is not None], default=0)
            lines.append(f"| relay {size} B, {flows} flows: {label} | {fmt(s)} | {fmt(c)} | {ratio(s, c, invert)} | {fmt(k)} | {foreign} |")
    for flows in sorted({r["flows"] for r in results.get("scaling", [])}):
        rate = results["scaling"][0]["rate"]
        for key, label, invert, digits in (("loss", "loss", True, 4), ("p50_us", "one-way p50 us", True, 0),
                                           ("p99_us", "one-way p99 us", True, 0), ("system_cpu", "CPU (cores)", True, 3),
                                           ("rss_mb", "RSS MB", True, 1)):
            vals, foreign = {}, 0
            for name in ("switchboard", "coturn", "c-forwarder"):
                rows = [r for r in results["scaling"] if r["system"] == name and r["flows"] == flows]
                vals[name] = median([r[key] for r in rows])
                foreign = max([foreign] + [r["foreign_cpu"] for r in rows])
            f = (lambda v: "-" if v is None else f"{v:,.{digits}f}")
            lines.append(f"| {flows} sessions at {rate:,} pkt/s total (100 B): {label} | {f(vals['switchboard'])} | "
                         f"{f(vals['coturn'])} | {ratio(vals['switchboard'], vals['coturn'], invert)} | "
                         f"{f(vals['c-forwarder'])} | {foreign} |")
    for key, label, invert in (("loss_free_per_s", "STUN bindings/s, <1% loss", False), ("p50_us", "STUN round trip p50 us", True),
                               ("p99_us", "STUN round trip p99 us", True),
                               ("cpu_us_per_request", "STUN CPU us per answered request at "
                                + f"{(results['stun'] or [{}])[0].get('cpu_rate', 0):,}/s", True)):
        s, fs = med("stun", "switchboard", key)
        c, fc = med("stun", "coturn", key)
        f = (lambda v: "-" if v is None else f"{v:,.2f}") if key == "cpu_us_per_request" else fmt
        lines.append(f"| {label} | {f(s)} | {f(c)} | {ratio(s, c, invert)} | - | {max(x for x in (fs or 0, fc or 0))} |")
    al = results.get("switchboard_alloc", {})
    lines.append(f"| bytes allocated per relayed packet / STUN request (whole run) | {al.get('bytes_per_packet')} / "
                 f"{al.get('bytes_per_stun_request')} | - | - | - | - |")
    lines.append(f"| GC collections / ms during the run | {al.get('gc_collections')} / {al.get('gc_millis')} | - | - | - | - |")
    lines.append("")
    lines.append(f"ratio: Switchboard / coturn (for latency coturn / Switchboard: above 1 means Switchboard is better); "
                 f"medians of {max((r['round'] for r in results['relay'] + results['stun'] + results['scaling']), default=0) + 1} rounds; run took {results.get('seconds')} s")
    return "\n".join(lines)


def fmt(v):
    if v is None:
        return "-"
    return f"{v:,.0f}"


if __name__ == "__main__":
    main()
