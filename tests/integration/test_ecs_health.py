"""ECS container health checks, ulimits and shared Docker volumes in real containers, driven by
boto3 (and the JS SDK for one task) on a busybox-static image. Health checks:
CMD and CMD-SHELL probes run inside the container (its root, its mounts, its PATH), a container
turns HEALTHY on a success and UNHEALTHY after `retries` failures (or a probe past its
timeout), recovers, and the task's healthStatus follows its essential containers only. A task
run on its own lives on while unhealthy (as AWS documents); a service counts a task healthy
once its check passes and replaces an unhealthy one ("Task failed container health checks").
dependsOn HEALTHY waits for the dependency and fails when it exits first. ulimits become the container's resource
limits (raising a hard limit above nimbus's own fails the start without CAP_SYS_RESOURCE); a
"shared" Docker volume outlives its task and is seen by the next one; the task's memory holds
across its containers together.

nimbus runs with --ecs-health-check-second-ms 100: every interval, timeout and startPeriod
second lasts 100 ms (AWS's minimum interval of 5 s becomes 0.5 s). Waits are generous: the
machine may be loaded."""
import json
import os
import resource
import shutil
import tempfile
import time
import unittest

from harness import Nimbus
from images import have_busybox, push_image

WAIT = 90  # seconds


def container(name="app", image=None, **extra):
    c = {"name": name, "image": image, "memory": 64, "stopTimeout": 1}
    c.update(extra)
    return c


@unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
class EcsHealth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus("--ecs-health-check-second-ms", "100",
                       "--ecs-echo-container-output", "1").start()
        cls.ecs = cls.n.client("ecs")
        uri, _ = push_image(cls.n, "health")
        cls.img = uri + ":latest"
        cls.families = 0

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def run_task(self, *containers, volumes=(), **run):
        EcsHealth.families += 1
        family = "h%d" % EcsHealth.families
        self.ecs.register_task_definition(family=family, containerDefinitions=list(containers),
                                          volumes=list(volumes))
        out = self.ecs.run_task(taskDefinition=family, **run)
        self.assertEqual(out["failures"], [])
        return out["tasks"][0]["taskArn"]

    def describe(self, arn):
        return self.ecs.describe_tasks(tasks=[arn])["tasks"][0]

    def wait_for(self, arn, check, what):
        deadline = time.time() + WAIT
        while time.time() < deadline:
            task = self.describe(arn)
            if check(task):
                return task
            time.sleep(0.1)
        self.fail("no %s after %d s: %s" % (what, WAIT, self.describe(arn)))

    def output(self, arn, name="app", expect=None, timeout=WAIT):
        """Lines container `name` of task `arn` wrote (once one contains `expect`)."""
        return self.n.container_output(arn, name, expect, timeout)

    def stopped(self, arn):
        return self.n.wait_task_status(self.ecs, arn, "STOPPED", WAIT)

    @staticmethod
    def health(task):
        return {c["name"]: c.get("healthStatus") for c in task["containers"]}

    def test_health_follows_the_probe_and_essential_containers(self):
        ctl = tempfile.mkdtemp(prefix="nimbus-ecs-health-")
        os.chmod(ctl, 0o777)
        self.addCleanup(shutil.rmtree, ctl, True)
        ok = os.path.join(ctl, "ok")
        open(ok, "w").close()
        arn = self.run_task(
            # CMD: looked up in the container's PATH; sees the container's mounts.
            container("app", image=self.img, entryPoint=["sleep", "600"],
                      mountPoints=[{"sourceVolume": "ctl", "containerPath": "/ctl"}],
                      healthCheck={"command": ["CMD", "test", "-e", "/ctl/ok"],
                                   "interval": 5, "retries": 2}),
            # CMD-SHELL in the container's root: what its own process wrote.
            container("web", image=self.img,
                      entryPoint=["sh", "-c", "echo up > /tmp/state; exec sleep 600"],
                      healthCheck={"command": ["CMD-SHELL", "grep -q up /tmp/state || exit 1"],
                                   "interval": 5}),
            # Non-essential and failing: does not count for the task.
            container("side", image=self.img, essential=False, entryPoint=["sleep", "600"],
                      healthCheck={"command": ["CMD", "false"], "interval": 5, "retries": 1}),
            # No health check: no healthStatus, and not counted either.
            container("plain", image=self.img, entryPoint=["sleep", "600"]),
            volumes=[{"name": "ctl", "host": {"sourcePath": ctl}}])
        task = self.wait_for(arn, lambda t: t["healthStatus"] == "HEALTHY", "HEALTHY task")
        self.assertEqual(task["lastStatus"], "RUNNING")
        task = self.wait_for(arn, lambda t: self.health(t)["side"] == "UNHEALTHY", "UNHEALTHY side")
        self.assertEqual(self.health(task),
                         {"app": "HEALTHY", "web": "HEALTHY", "side": "UNHEALTHY", "plain": None})
        self.assertEqual(task["healthStatus"], "HEALTHY")

        os.unlink(ok)  # two failures in a row: UNHEALTHY; a task of its own keeps running
        task = self.wait_for(arn, lambda t: t["healthStatus"] == "UNHEALTHY", "UNHEALTHY task")
        self.assertEqual(self.health(task)["app"], "UNHEALTHY")
        self.assertEqual(task["lastStatus"], "RUNNING")
        self.assertEqual(task["desiredStatus"], "RUNNING")

        open(ok, "w").close()  # one success: HEALTHY again
        task = self.wait_for(arn, lambda t: t["healthStatus"] == "HEALTHY", "recovery")
        self.assertEqual(self.health(task)["app"], "HEALTHY")
        self.ecs.stop_task(task=arn)
        self.stopped(arn)

    def test_a_probe_past_its_timeout_fails(self):
        arn = self.run_task(container(
            image=self.img, entryPoint=["sleep", "600"],
            healthCheck={"command": ["CMD-SHELL", "sleep 30"], "interval": 5, "timeout": 2,
                         "retries": 1}))
        task = self.wait_for(arn, lambda t: t["healthStatus"] == "UNHEALTHY", "UNHEALTHY")
        self.assertEqual(task["lastStatus"], "RUNNING")
        self.ecs.stop_task(task=arn)
        self.stopped(arn)

    def test_services_count_health_and_replace_unhealthy_tasks(self):
        self.ecs.create_cluster(clusterName="hc")
        EcsHealth.families += 1

        def service(name, check):
            family = "hs%d" % EcsHealth.families + name
            td = self.ecs.register_task_definition(family=family, containerDefinitions=[
                container(image=self.img, entryPoint=["sleep", "600"],
                          healthCheck={"command": check, "interval": 5, "retries": 1})])
            self.ecs.create_service(cluster="hc", serviceName=name, desiredCount=1,
                                    taskDefinition=td["taskDefinition"]["taskDefinitionArn"])

        def describe(name):
            return self.ecs.describe_services(cluster="hc", services=[name])["services"][0]

        def wait(name, check, what):
            deadline = time.time() + WAIT
            while time.time() < deadline:
                s = describe(name)
                if check(s):
                    return s
                time.sleep(0.2)
            self.fail("service %s: no %s after %d s: %s" % (name, what, WAIT, describe(name)))

        # A passing check makes the deployment complete (without one it would take 40 s).
        service("ok", ["CMD", "true"])
        # A failing one: the scheduler stops the task and starts another.
        service("bad", ["CMD", "false"])
        wait("ok", lambda s: s["deployments"][0]["rolloutState"] == "COMPLETED", "COMPLETED")
        s = wait("bad", lambda s: any("failed container health checks" in e["message"]
                                      for e in s["events"]), "health event")
        arns = self.ecs.list_tasks(cluster="hc", serviceName="bad",
                                   desiredStatus="STOPPED")["taskArns"]
        stopped = self.ecs.describe_tasks(cluster="hc", tasks=arns)["tasks"]
        self.assertTrue(any(t["stoppedReason"] == "Task failed container health checks" and
                            t["stopCode"] == "ServiceSchedulerInitiated" and
                            t["healthStatus"] == "UNHEALTHY" for t in stopped), stopped)
        for name in ("ok", "bad"):
            self.ecs.delete_service(cluster="hc", service=name, force=True)

    def test_depends_on_healthy(self):
        # app starts once db's probe passes; db becomes ready a moment after it starts.
        arn = self.run_task(
            container("db", image=self.img, essential=False,
                      entryPoint=["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 600"],
                      healthCheck={"command": ["CMD-SHELL", "test -e /tmp/ready"],
                                   "interval": 5}),
            container("app", image=self.img, entryPoint=["sh", "-c", "echo app-ran"],
                      dependsOn=[{"containerName": "db", "condition": "HEALTHY"}]))
        task = self.stopped(arn)
        by_name = {c["name"]: c for c in task["containers"]}
        self.assertEqual(by_name["app"]["exitCode"], 0, task)
        self.assertEqual(by_name["db"]["healthStatus"], "HEALTHY", task)
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        # A dependency that exits before it was ever healthy: app never starts.
        arn = self.run_task(
            container("db", image=self.img, essential=False, entryPoint=["sh", "-c", "sleep 2"],
                      healthCheck={"command": ["CMD", "false"], "interval": 5}),
            container("app", image=self.img, entryPoint=["sh", "-c", "echo never"],
                      dependsOn=[{"containerName": "db", "condition": "HEALTHY"}]))
        task = self.stopped(arn)
        self.assertEqual(task["stopCode"], "TaskFailedToStart", task)
        self.assertEqual(task["stoppedReason"], "DependencyError: dependency db (HEALTHY): it "
                                                "exited before its health check passed")
        self.assertNotIn("exitCode", {c["name"]: c for c in task["containers"]}["app"])


    # -- ulimits and volumes ----------------------------------------------------------------
    def test_ulimits(self):
        script = ("grep -E '^Max (processes|core file size|open files)' /proc/self/limits"
                  " | tr -s ' '; echo done")
        arn = self.run_task(container(
            image=self.img, entryPoint=["sh", "-c", script],
            ulimits=[{"name": "nproc", "softLimit": 100, "hardLimit": 200},
                     {"name": "core", "softLimit": 0, "hardLimit": 0},
                     {"name": "nofile", "softLimit": 256, "hardLimit": 512}]))
        self.assertEqual(self.stopped(arn)["containers"][0]["exitCode"], 0)
        self.assertEqual(self.output(arn, expect="done"),
                         ["Max core file size 0 0 bytes ", "Max processes 100 200 processes ",
                          "Max open files 256 512 files ", "done"])
        # Above nimbus's own hard limit: only CAP_SYS_RESOURCE could raise it.
        with open("/proc/self/status") as f:
            cap_eff = int([l for l in f if l.startswith("CapEff:")][0].split()[1], 16)
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if cap_eff & (1 << 24) or hard == resource.RLIM_INFINITY:
            return
        arn = self.run_task(container(
            image=self.img, entryPoint=["true"],
            ulimits=[{"name": "nofile", "softLimit": 1024, "hardLimit": hard + 1}]))
        task = self.stopped(arn)
        self.assertEqual(task["stopCode"], "TaskFailedToStart", task)
        self.assertTrue(task["stoppedReason"].startswith("CannotStartContainerError: "), task)
        self.assertIn("setrlimit nofile: Operation not permitted", task["stoppedReason"])

    def test_task_memory_holds_across_containers(self):
        # Each container alone fits the task's 64 MiB (its own limit, as none is given); the two
        # together do not: the task's cgroup has the OOM killer strike one of them.
        hold = ["sh", "-c", "dd if=/dev/zero bs=40M count=1 2>/dev/null | sleep 3"]
        EcsHealth.families += 1
        family = "mem%d" % EcsHealth.families
        self.ecs.register_task_definition(family=family, memory="64", containerDefinitions=[
            {"name": "app", "image": self.img, "entryPoint": hold},
            {"name": "side", "image": self.img, "entryPoint": hold, "essential": False}])
        arn = self.ecs.run_task(taskDefinition=family)["tasks"][0]["taskArn"]
        task = self.stopped(arn)
        killed = [c for c in task["containers"] if c.get("exitCode") == 137]
        self.assertTrue(killed, task)
        self.assertEqual(killed[0]["reason"],
                         "OutOfMemoryError: Container killed due to memory usage")

    def test_shared_docker_volume_outlives_its_task(self):
        def shared(name, autoprovision=True):
            return {"name": name, "dockerVolumeConfiguration": {
                "scope": "shared", "autoprovision": autoprovision, "driver": "local"}}
        mount = [{"sourceVolume": "cache", "containerPath": "/cache"}]
        arn = self.run_task(container(image=self.img, mountPoints=mount,
                                      entryPoint=["sh", "-c", "echo kept > /cache/f"]),
                            volumes=[shared("cache")])
        self.assertEqual(self.stopped(arn)["containers"][0]["exitCode"], 0)
        arn = self.run_task(container(image=self.img, mountPoints=mount,
                                      entryPoint=["sh", "-c", "cat /cache/f"]),
                            volumes=[shared("cache", autoprovision=False)])
        self.assertEqual(self.stopped(arn)["containers"][0]["exitCode"], 0)
        self.assertEqual(self.output(arn, expect="kept"), ["kept"])
        # Not there and not to be made: the start fails.
        arn = self.run_task(container(image=self.img, entryPoint=["true"],
                                      mountPoints=[{"sourceVolume": "absent",
                                                    "containerPath": "/x"}]),
                            volumes=[shared("absent", autoprovision=False)])
        task = self.stopped(arn)
        self.assertEqual(task["stopCode"], "TaskFailedToStart", task)
        self.assertTrue(task["containers"][0]["reason"].endswith(
            "volume absent: no shared Docker volume named absent exists and autoprovision is "
            "false: unknown"), task)

    @unittest.skipUnless(shutil.which("node") and os.path.isdir(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "js", "node_modules", "@aws-sdk",
                     "client-ecs")), "node or @aws-sdk/client-ecs missing (make test installs them)")
    def test_js_sdk_runs_a_task_to_stopped(self):
        res = self.n.node("ecs_run_task.mjs", "js-task", self.img, "echo from-js; exit 5")
        out = json.loads(res.stdout.decode().strip().splitlines()[-1])
        self.assertEqual(out, {"lastStatus": "STOPPED", "stopCode": "EssentialContainerExited",
                               "stoppedReason": "Essential container in task exited",
                               "exitCode": 5, "stoppedAt": True})


if __name__ == "__main__":
    unittest.main()
