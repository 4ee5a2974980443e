#!/usr/bin/env python3
"""Switchboard's benchmark suite against coturn and a minimal C forwarder (issue 13).

Run through node/scripts/bench/run (which installs what is missing and builds). Everything runs on
loopback on this machine; competitors are measured back to back with Switchboard, rounds
interleaved (the order rotates each round), each trial bounded in time. For every figure the table
gives Switchboard's, the competitor's, the ratio and the CPU that other processes used during the
trials (in cores), so a noisy run shows. Results also go to a JSON file.

Measures (--smoke: one small trial of each, to check that the suite works, not how fast):
  relay   the highest offered rate with under 1% loss (rates stepped up until loss appears),
          the delivered rate unpaced, one-way latency p50/p99 at 10k pkt/s, CPU of the relay
          process, for 100 B and 1200 B and 1/10/50 flows; Switchboard (RelayBenchServer: the
          node's relay and STUN service with sessions opened through Relay.open), coturn (TURN
          ChannelData, no auth) and fwd.c (recvmmsg/sendmmsg, the practical limit)
  stun    Binding requests/s with under 1% loss and round trip p50/p99, Switchboard vs coturn
  alloc   bytes the relay and STUN I/O threads allocated per forwarded packet / answered request
          over the whole run, and GC collections (the JVM's per-thread allocation counters)
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
    """Every port the suite uses, fixed offsets from --port-base (a block of 5,100 ports)."""
    global SB_RELAY_BASE, SB_STUN, TURN_PORT, TURN_RELAY, FWD_IN, FWD_OUT, SRC_BASE, RECV_BASE, STUN_SRC_BASE
    SB_RELAY_BASE = base             # Switchboard's relay range (2 ports per session)
    SB_STUN = base + 990
    TURN_PORT = base + 1478
    TURN_RELAY = (base + 1500, base + 1999)
    FWD_IN, FWD_OUT = base + 2000, base + 2200
    SRC_BASE = base + 4000           # generator sockets (flow i: SRC_BASE + i)
    RECV_BASE = base + 4500          # receiving sockets
    STUN_SRC_BASE = base + 5000


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- CPU accounting

def cpu_seconds(pid):
    """utime + stime of a process and its threads, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def max_loss_free(trial, rates):
    """The highest of the stepped rates with under 1% loss, and the trials run."""
    best, best_trial, runs = 0, None, []
    for rate in rates:
        r = trial(rate)
        runs.append(r)
        if r["loss"] < 0.01 and r["sent"] >= 0.9 * rate * r["seconds_planned"]:
            best, best_trial = rate, r
        else:
            break
    return best, best_trial, runs


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
    ap.add_argument("--port-base", type=int, default=41000, help="first of the 5,100 loopback ports used")
    ap.add_argument("--java-opts", default="-XX:+UseSerialGC -Xms16m -Xmx128m -XX:MinHeapFreeRatio=10 "
                    "-XX:MaxHeapFreeRatio=30 -XX:TieredStopAtLevel=1 -XX:MaxMetaspaceSize=96m -Xss512k",
                    help="the launcher's JVM options (bin/switchboard)")
    a = ap.parse_args()
    global OUT, BIN
    OUT, BIN = a.out, a.bin
    set_ports(a.port_base)
    os.makedirs(OUT, exist_ok=True)

    if a.smoke:
        sizes, flow_counts, rounds, seconds = [100], [1], 1, 0.3
        rates = [2000, 5000]
        stun_rates = [2000]
    else:
        sizes, flow_counts, rounds, seconds = [100, 1200], [1, 10, 50], a.rounds, a.seconds
        rates = [5_000, 10_000, 25_000, 50_000, 100_000, 150_000, 200_000, 300_000, 400_000, 600_000, 800_000, 1_000_000, 1_300_000]
        stun_rates = [5_000, 10_000, 25_000, 50_000, 100_000, 150_000, 200_000, 300_000, 400_000, 600_000]
    max_flows = max(flow_counts)

    systems = []
    started = time.time()
    try:
        systems.append(Switchboard(a.dist, a.java_opts.split(), max_flows))
        if shutil.which("turnserver"):
            systems.append(Coturn())
        else:
            log("coturn (turnserver) is not installed: measured without it")
        systems.append(Forwarder(BIN, max_flows))
        results = {"machine": {"cores": os.cpu_count(), "load_before": os.getloadavg()[0]},
                   "java_opts": a.java_opts, "relay": [], "stun": []}
        sb = systems[0]
        alloc0 = sb.stats()

        for rnd in range(rounds):
            order = systems[rnd % len(systems):] + systems[:rnd % len(systems)]
            for size in sizes:
                for flows in flow_counts:
                    threads = min(4, flows)
                    for system in order:
                        dests = system.setup(flows)
                        trial = lambda rate, s=system, d=dests: relay_trial(s, d, flows, size, rate, seconds, threads)
                        best, best_trial, runs = max_loss_free(trial, rates)
                        unpaced = trial(0)
                        time.sleep(0.3)  # let the backlog of the unpaced run drain
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
            for system in order:
                if not hasattr(system, "stun"):
                    continue
                trial = lambda rate, s=system: run_gen(["--stun", "--flows", 4, "--threads", 2, "--rate", rate,
                                                        "--duration", seconds, "--src-port", STUN_SRC_BASE,
                                                        "--dst-port", s.stun], [s.pid])
                best, best_trial, runs = max_loss_free(trial, stun_rates)
                rtt = runs[0]
                row = {"round": rnd, "system": system.name, "loss_free_per_s": best, "p50_us": rtt["p50_us"],
                       "p99_us": rtt["p99_us"], "foreign_cpu": round(max(r["foreign_cpu"] for r in runs), 3),
                       "trials": runs}
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
        results["seconds"] = round(time.time() - started, 1)
    finally:
        for s in systems:
            try:
                s.stop()
            except Exception as e:
                log(f"stopping {s.name}: {e}")

    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(table(results))


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
    for key, label, invert in (("loss_free_per_s", "STUN bindings/s, <1% loss", False), ("p50_us", "STUN round trip p50 us", True),
                               ("p99_us", "STUN round trip p99 us", True)):
        s, fs = med("stun", "switchboard", key)
        c, fc = med("stun", "coturn", key)
        lines.append(f"| {label} | {fmt(s)} | {fmt(c)} | {ratio(s, c, invert)} | - | {max(x for x in (fs or 0, fc or 0))} |")
    al = results.get("switchboard_alloc", {})
    lines.append(f"| bytes allocated per relayed packet / STUN request (whole run) | {al.get('bytes_per_packet')} / "
                 f"{al.get('bytes_per_stun_request')} | - | - | - | - |")
    lines.append(f"| GC collections / ms during the run | {al.get('gc_collections')} / {al.get('gc_millis')} | - | - | - | - |")
    lines.append("")
    lines.append(f"ratio: Switchboard / coturn (for latency coturn / Switchboard: above 1 means Switchboard is better); "
                 f"medians of {max((r['round'] for r in results['relay']), default=0) + 1} rounds; run took {results.get('seconds')} s")
    return "\n".join(lines)


def fmt(v):
    if v is None:
        return "-"
    return f"{v:,.0f}"


if __name__ == "__main__":
    main()
