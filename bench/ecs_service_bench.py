#!/usr/bin/env python3
"""ECS services: how fast the scheduler gets a service to steady state (issue 20 item 5).

A busybox-static image (tests/integration/images.py) pushed to a fresh nimbus and warmed up by
one RunTask (so it is cached and unpacked); tasks run a trapping sh loop (exits 0 on SIGTERM).
  scale    a service at desiredCount 0 -> UpdateService desiredCount N (default 50) -> until
           DescribeServices shows runningCount N, and until its deployment is COMPLETED with the
           "has reached a steady state." event; then back to 0 and all tasks STOPPED (untimed)
  deploy   a service of D tasks (default 10), minimumHealthyPercent 100, maximumPercent 200,
           steady -> UpdateService forceNewDeployment -> until one deployment is left and it is
           COMPLETED (D new tasks started, D old ones stopped)
nimbus runs with --ecs-task-healthy-seconds 0 by default (AWS counts a task without health
checks healthy 40 s after RUNNING: --healthy-seconds 40 shows that instead). Times are as a
client sees them (boto3 polling back to back included). Prints p50/min/max of --runs runs.
Usage: bench/ecs_service_bench.py [--runs N] [--scale N] [--deploy D] [--healthy-seconds S]
       [--nimbus PATH]
Needs root, busybox-static and skopeo. Noisy when others compile: say so."""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

LOOP = ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]


def stats(name, xs):
    xs = sorted(xs)
    print("%-44s n=%-3d p50 %8.2f s  min %8.2f  max %8.2f" %
          (name, len(xs), statistics.median(xs), xs[0], xs[-1]))


def wait(ecs, name, check, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = ecs.describe_services(cluster="bench", services=[name])["services"][0]
        if check(s):
            return s
    raise RuntimeError("service %s did not get there in %d s: %s" % (name, timeout, s))


def steady(desired):
    def check(s):
        deps = s["deployments"]
        return (len(deps) == 1 and deps[0]["rolloutState"] == "COMPLETED"
                and s["runningCount"] == desired and s["pendingCount"] == 0
                and "has reached a steady state." in s["events"][0]["message"])
    return check


def no_tasks(ecs, name):
    deadline = time.time() + 600
    while ecs.list_tasks(cluster="bench", serviceName=name)["taskArns"]:
        if time.time() > deadline:
            raise RuntimeError("tasks of %s did not stop" % name)
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale", type=int, default=50)
    ap.add_argument("--deploy", type=int, default=10)
    ap.add_argument("--healthy-seconds", type=int, default=0)
    ap.add_argument("--nimbus", default=os.path.join(ROOT, "build", "nimbus"))
    args = ap.parse_args()
    os.environ["NIMBUS_BIN"] = args.nimbus
    from harness import Nimbus
    from images import push_image
    n = Nimbus("--ecs-task-healthy-seconds", str(args.healthy_seconds)).start()
    try:
        ecs = n.client("ecs")
        uri, _ = push_image(n, "bench", entrypoint=LOOP)
        ecs.create_cluster(clusterName="bench")
        td = ecs.register_task_definition(family="bench", containerDefinitions=[
            {"name": "app", "image": uri + ":latest", "memory": 16, "stopTimeout": 2}])
        arn = td["taskDefinition"]["taskDefinitionArn"]
        warm = ecs.run_task(cluster="bench", taskDefinition=arn)["tasks"][0]["taskArn"]
        while ecs.describe_tasks(cluster="bench", tasks=[warm])["tasks"][0]["lastStatus"] \
                != "RUNNING":
            time.sleep(0.1)
        ecs.stop_task(cluster="bench", task=warm)

        ecs.create_service(cluster="bench", serviceName="scale", taskDefinition=arn,
                           desiredCount=0)
        wait(ecs, "scale", steady(0))
        running, settled = [], []
        for _ in range(args.runs):
            t0 = time.time()
            ecs.update_service(cluster="bench", service="scale", desiredCount=args.scale)
            wait(ecs, "scale", lambda s: s["runningCount"] == args.scale)
            running.append(time.time() - t0)
            wait(ecs, "scale", steady(args.scale))
            settled.append(time.time() - t0)
            ecs.update_service(cluster="bench", service="scale", desiredCount=0)
            wait(ecs, "scale", lambda s: s["runningCount"] == 0)
            no_tasks(ecs, "scale")
        ecs.delete_service(cluster="bench", service="scale", force=True)
        stats("scale 0 -> %d: all RUNNING" % args.scale, running)
        stats("scale 0 -> %d: steady state" % args.scale, settled)

        ecs.create_service(cluster="bench", serviceName="deploy", taskDefinition=arn,
                           desiredCount=args.deploy, deploymentConfiguration={
                               "minimumHealthyPercent": 100, "maximumPercent": 200})
        wait(ecs, "deploy", steady(args.deploy))
        done = []
        for _ in range(args.runs):
            t0 = time.time()
            ecs.update_service(cluster="bench", service="deploy", forceNewDeployment=True)
            wait(ecs, "deploy", lambda s: len(s["deployments"]) == 1
                 and s["deployments"][0]["rolloutState"] == "COMPLETED"
                 and s["runningCount"] == args.deploy)
            done.append(time.time() - t0)
        stats("deployment of %d (100/200 %%) -> COMPLETED" % args.deploy, done)
        ecs.delete_service(cluster="bench", service="deploy", force=True)
    finally:
        n.stop()


if __name__ == "__main__":
    main()
