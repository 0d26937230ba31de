#!/usr/bin/env python3
"""Where an idle nimbus's RSS goes: starts `nimbus serve --port 0` on a fresh data dir, waits for
the ready line and 300 ms of idleness, then sums /proc/PID/smaps per mapped file (Rss, private,
shared, private dirty, in KiB) and prints the total VmRSS.

Usage: bench/rss_breakdown.py [NIMBUS_BIN] [--segments]
  --segments  also lists every mapping of 64 KiB or more with its permissions.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def smaps(pid):
    maps, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                cur = {"range": parts[0], "perm": parts[1],
                       "name": parts[5] if len(parts) > 5 else "[anon]"}
                maps.append(cur)
            else:
                key, _, value = line.partition(":")
                fields = value.split()
                if fields and fields[0].isdigit():
                    cur[key] = int(fields[0])
    return maps


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = args[0] if args else "build/nimbus"
    data_dir = tempfile.mkdtemp(prefix="nimbus-rss-")
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--data-dir", data_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline().decode()
        if not line.startswith("nimbus ready on "):
            sys.exit(f"unexpected output: {line!r}")
        time.sleep(0.3)
        maps = smaps(proc.pid)
        with open(f"/proc/{proc.pid}/status") as f:
            vmrss = next(l.split()[1] for l in f if l.startswith("VmRSS:"))
        threads = len(os.listdir(f"/proc/{proc.pid}/task"))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)

    per_file = {}
    for m in maps:
        name = m["name"] if not m["name"].startswith(data_dir) else "<data-dir>" + m["name"][len(data_dir):]
        acc = per_file.setdefault(name, [0, 0, 0, 0])
        acc[0] += m.get("Rss", 0)
        acc[1] += m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)
        acc[2] += m.get("Shared_Clean", 0) + m.get("Shared_Dirty", 0)
        acc[3] += m.get("Private_Dirty", 0)
    print(f"{'Rss':>6} {'Priv':>6} {'Shared':>6} {'PrDirty':>7}  mapping (KiB)")
    for name, (rss, priv, shared, dirty) in sorted(per_file.items(), key=lambda kv: -kv[1][0]):
        if rss:
            print(f"{rss:6d} {priv:6d} {shared:6d} {dirty:7d}  {name}")
    print(f"VmRSS {vmrss} KiB = {int(vmrss) / 1024:.2f} MiB, {threads} threads")
    if "--segments" in sys.argv:
        for m in maps:
            if m.get("Rss", 0) >= 64:
                print(f"  {m['range']} {m['perm']} rss {m['Rss']:5d} dirty "
                      f"{m.get('Private_Dirty', 0):5d} {m['name']}")


if __name__ == "__main__":
    main()
