#!/usr/bin/env python3
"""ECS RunTask -> RUNNING with a cached image, side by side with podman in the same run.

nimbus: a busybox-static image (tests/integration/images.py) pushed to a fresh nimbus; one
warm-up task prepares (unpacks) it; then N tasks, one at a time, each:
  run      RunTask sent -> DescribeTasks (polled back to back) first shows RUNNING, as a client
           sees it (boto3 overhead and the polling included)
  server   the task's startedAt - createdAt (what nimbus itself took, ms resolution)
  stop     StopTask of its trapping PID 1 (a sh loop of 20 ms sleeps; exits 0 on SIGTERM,
           which it acts on after the sleep in progress) -> DescribeTasks shows STOPPED
podman: the same image (skopeo into containers-storage), `podman run -d --network=none --runtime
runc IMAGE sleep 60` (returns once the container runs), N times, each removed after.

Then --concurrent N tasks (default 100) started at once: time until all are RUNNING, and
nimbus's RSS growth per running task (VmRSS a second after, minus a second before).

Then the cost of task networking: --mode-runs tasks (default 20) of each networkMode, one at a
time, RunTask -> RUNNING and startedAt - createdAt: none (a loopback-only namespace, what the
runs above use), bridge (a veth onto the account's VPC bridge, the metadata endpoint) and
awsvpc (the same and an ENI in DescribeTasks), and awsvpc with one published port.

Goal (issue 19 item 9): run p50 <= 20 ms and >= 10x faster than podman; <= 200 KiB of nimbus
RSS per task. Prints p50/p90/min/max.
Usage: bench/ecs_run_task.py [--runs N] [--podman-runs N] [--concurrent N] [--mode-runs N]
                             [--nimbus PATH]
Needs root, busybox-static, skopeo, podman, runc. Noisy when others compile: say so."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))


def stats(name, xs):
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    print("%-34s n=%-3d p50 %8.1f ms  p90 %8.1f ms  min %8.1f  max %8.1f" %
          (name, len(xs), statistics.median(xs), p90, xs[0], xs[-1]))
    return statistics.median(xs)


def wait_status(ecs, arn, status, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        task = ecs.describe_tasks(tasks=[arn])["tasks"][0]
        if task["lastStatus"] == status:
            return task
        if task["lastStatus"] == "STOPPED":
            raise RuntimeError("task stopped: %s" % task.get("stoppedReason"))
    raise RuntimeError("task not %s in %d s" % (status, timeout))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def bench_concurrent(n, ecs, count):
    """`count` tasks started at once (RunTask count=10 calls back to back): seconds until all
    are RUNNING, and nimbus's RSS growth per running task."""
    time.sleep(1)
    before = rss_kib(n.proc.pid)
    t0 = time.perf_counter()
    arns = []
    while len(arns) < count:
        out = ecs.run_task(taskDefinition="bench", count=min(10, count - len(arns)))
        arns += [t["taskArn"] for t in out["tasks"]]
    pending = set(arns)
    while pending:
        for i in range(0, len(arns), 100):
            for t in ecs.describe_tasks(tasks=arns[i:i + 100])["tasks"]:
                if t["lastStatus"] == "RUNNING":
                    pending.discard(t["taskArn"])
                elif t["lastStatus"] == "STOPPED":
                    raise RuntimeError("task stopped: %s" % t.get("stoppedReason"))
    took = time.perf_counter() - t0
    time.sleep(1)
    after = rss_kib(n.proc.pid)
    for arn in arns:
        ecs.stop_task(task=arn)
    for arn in arns:
        wait_status(ecs, arn, "STOPPED", timeout=120)
    return took, before, after


def bench_network_modes(ecs, uri, runs):
    """{label: (client ms list, server ms list)} for each network mode."""
    out = {}
    vpc = {"networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-bench"]}}}
    modes = [("none", "none", {}, []), ("bridge", "bridge", {}, []),
             ("awsvpc", "awsvpc", vpc, []),
             ("awsvpc + 1 published port", "awsvpc", vpc, [{"containerPort": 18081}])]
    for label, mode, run_extra, ports in modes:
        family = "net-" + label.split()[0] + ("-port" if ports else "")
        ecs.register_task_definition(family=family, networkMode=mode, containerDefinitions=[{
            "name": "app", "image": uri + ":latest", "memory": 64, "stopTimeout": 2,
            "portMappings": ports,
            "entryPoint": ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.02; done"]}])
        client, server = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            arn = ecs.run_task(taskDefinition=family, **run_extra)["tasks"][0]["taskArn"]
            task = wait_status(ecs, arn, "RUNNING")
            client.append((time.perf_counter() - t0) * 1000)
            server.append((task["startedAt"] - task["createdAt"]).total_seconds() * 1000)
            ecs.stop_task(task=arn)
            wait_status(ecs, arn, "STOPPED", timeout=60)
        out[label] = (client, server)
    return out


def bench_nimbus(runs, binary, concurrent_tasks=0, mode_runs=0):
    os.environ["NIMBUS_BIN"] = binary
    from harness import Nimbus
    from images import push_image
    n = Nimbus().start()
    try:
        ecs = n.client("ecs")
        uri, _ = push_image(n, "bench")
        ecs.register_task_definition(family="bench", networkMode="none", containerDefinitions=[{
            "name": "app", "image": uri + ":latest", "memory": 64,
            "stopTimeout": 5,
            "entryPoint": ["/bin/sh", "-c",
                           "trap 'exit 0' TERM; while true; do sleep 0.02; done"]}])
        warm = ecs.run_task(taskDefinition="bench")["tasks"][0]["taskArn"]
        wait_status(ecs, warm, "RUNNING")
        ecs.stop_task(task=warm)
        wait_status(ecs, warm, "STOPPED")
        run, server, stop = [], [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            arn = ecs.run_task(taskDefinition="bench")["tasks"][0]["taskArn"]
            task = wait_status(ecs, arn, "RUNNING")
            run.append((time.perf_counter() - t0) * 1000)
            server.append((task["startedAt"] - task["createdAt"]).total_seconds() * 1000)
            time.sleep(0.2)  # RUNNING is exec'd: give sh the moment it takes to install its trap
            t1 = time.perf_counter()
            ecs.stop_task(task=arn)
            wait_status(ecs, arn, "STOPPED")
            stop.append((time.perf_counter() - t1) * 1000)
        concurrent = None
        if concurrent_tasks:
            concurrent = bench_concurrent(n, ecs, concurrent_tasks)
        modes = bench_network_modes(ecs, uri, mode_runs) if mode_runs else {}
        return run, server, stop, concurrent, modes
    finally:
        n.stop()
        shutil.rmtree(n.data_dir, ignore_errors=True)


def bench_podman(runs):
    from images import build_image
    layout = tempfile.mkdtemp(prefix="nimbus-bench-oci-")
    image = "localhost/nimbus-ecs-bench:latest"
    try:
        build_image(layout)
        subprocess.run(["skopeo", "copy", "--quiet", "oci:%s:latest" % layout,
                        "containers-storage:" + image], check=True, capture_output=True)
    finally:
        shutil.rmtree(layout, ignore_errors=True)
    # Explicit ulimits: podman's defaults exceed this host's hard limits (runc then fails).
    base = ["podman", "run", "-d", "--network=none", "--runtime", "runc", "--ulimit",
            "nofile=1024:1024", "--ulimit", "nproc=1024:1024", image, "sleep", "60"]
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        cid = subprocess.run(base, check=True, capture_output=True, text=True).stdout.strip()
        took = (time.perf_counter() - t0) * 1000
        subprocess.run(["podman", "rm", "-f", "-t", "0", cid], check=True, capture_output=True)
        if i > 0:  # the first one warms podman's storage
            times.append(took)
    subprocess.run(["podman", "rmi", "-f", image], capture_output=True)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--podman-runs", type=int, default=10)
    ap.add_argument("--nimbus", default=os.path.join(ROOT, "build", "nimbus"))
    ap.add_argument("--concurrent", type=int, default=100,
                    help="then this many tasks at once: time to all RUNNING, RSS per task")
    ap.add_argument("--mode-runs", type=int, default=20,
                    help="then this many tasks of each networkMode (0: skip)")
    args = ap.parse_args()
    run, server, stop, concurrent, modes = bench_nimbus(args.runs, args.nimbus, args.concurrent,
                                                        args.mode_runs)
    n50 = stats("nimbus RunTask -> RUNNING (client)", run)
    stats("nimbus startedAt - createdAt", server)
    stats("nimbus StopTask -> STOPPED (trap)", stop)
    if concurrent:
        took, before, after = concurrent
        print("nimbus %d tasks at once: all RUNNING in %.2f s; RSS %d -> %d KiB: %.0f KiB per task"
              % (args.concurrent, took, before, after, (after - before) / args.concurrent))
    for label, (client, server_ms) in modes.items():
        stats("%s RunTask -> RUNNING" % label, client)
        stats("%s startedAt - createdAt" % label, server_ms)
    if shutil.which("podman"):
        p50 = stats("podman run -d --network=none runc", bench_podman(args.podman_runs))
        print("podman p50 / nimbus p50: %.1fx" % (p50 / n50))


if __name__ == "__main__":
    main()
