"""ECS tasks in real containers, driven by boto3 and both AWS CLIs on busybox-static images the
test builds and pushes to nimbus (images.py): the ENTRYPOINT/CMD table as Docker merges it,
environment and user, who receives SIGTERM (a trapping PID 1 exits 0; a shell-form entrypoint
is SIGKILLed after stopTimeout: 137), OOM (137, OutOfMemoryError), essential vs non-essential
containers, AWS's reasons for a missing image or executable, the tasks-running/tasks-stopped
waiters, and tasks left by a restart or a kill -9 (STOPPED with a reason, nothing left behind).

Container output has no log driver here: nimbus echoes it to its stderr
(--ecs-echo-container-output 1), where the test reads it. Waits are generous: the machine may
be loaded."""
import glob
import os
import shutil
import signal
import time
import unittest

from harness import EcsTaskHelpers, Nimbus
from images import have_busybox, push_image

WAIT = 90  # seconds: a loaded 2-core machine


def container(name="app", image=None, **extra):
    c = {"name": name, "image": image, "memory": 64}
    c.update(extra)
    return c


@unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
class EcsTasks(EcsTaskHelpers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus("--ecs-echo-container-output", "1").start()
        cls.ecs = cls.n.client("ecs")
        # ENTRYPOINT prints its $0 and arguments; CMD gives two of them.
        cls.echo_uri, cls.echo_digest = push_image(
            cls.n, "echo", entrypoint=["/bin/sh", "-c", 'echo "out:$0:$*"', "E0"],
            cmd=["c1", "c2"], env={"FROM_IMAGE": "img", "SHARED": "img"})
        cls.plain_uri, _ = push_image(cls.n, "plain", passwd_users=[("app", 1000, 1000)])
        cls.stop_uri, _ = push_image(cls.n, "quits", stop_signal="SIGQUIT")
        cls.families = 0

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    # -- helpers ----------------------------------------------------------------------------
    def register(self, *containers, **extra):
        EcsTasks.families += 1
        family = "f%d" % EcsTasks.families
        self.ecs.register_task_definition(family=family, containerDefinitions=list(containers),
                                          **extra)
        return family


    def output(self, arn, name="app", expect=None, timeout=WAIT):
        """Lines container `name` of task `arn` wrote (once one contains `expect`)."""
        return self.n.container_output(arn, name, expect, timeout)

    def run_to_stop(self, *containers, **run):
        arn = self.run_task(self.register(*containers), **run)
        return arn, self.wait_status(arn, "STOPPED")

    # -- ENTRYPOINT / CMD -------------------------------------------------------------------
    def test_entrypoint_and_command_table(self):
        img = self.echo_uri + ":latest"
        cases = [
            # (container definition extras, RunTask overrides, the line the process prints)
            ({}, None, "out:E0:c1 c2"),  # the image's ENTRYPOINT and CMD
            ({"command": ["x", "y"]}, None, "out:E0:x y"),  # command replaces CMD only
            ({"entryPoint": ["/bin/echo", "own"]}, None, "own"),  # CMD dropped with it
            ({"entryPoint": ["echo", "own"], "command": ["x"]}, None, "own x"),  # PATH lookup
            ({"entryPoint": ["/bin/sh", "-c", "echo shell-form $0", "S"]}, None,
             "shell-form S"),
            ({"command": ["x"]}, {"command": ["over"]}, "out:E0:over"),  # RunTask override
        ]
        for extra, override, want in cases:
            with self.subTest(extra=extra, override=override):
                ov = {"containerOverrides": [{"name": "app", "command": override["command"]}]} \
                    if override else {}
                arn, task = self.run_to_stop(container(image=img, **extra), overrides=ov)
                self.assertEqual(task["containers"][0]["exitCode"], 0, task)
                self.assertIn(want, self.output(arn, expect=want))
                self.assertEqual(task["stopCode"], "EssentialContainerExited")
                self.assertEqual(task["stoppedReason"], "Essential container in task exited")
                self.assertEqual(task["containers"][0]["imageDigest"], self.echo_digest)
                for key in ("pullStartedAt", "pullStoppedAt", "startedAt", "stoppingAt",
                            "executionStoppedAt", "stoppedAt"):
                    self.assertIn(key, task)
                self.assertEqual(len(task["containers"][0]["runtimeId"]), 64)

    def test_environment_user_and_working_directory(self):
        script = 'echo "env:$FROM_IMAGE:$SHARED:$FROM_DEF:$FROM_RUN:$(id -u):$(pwd)"'
        arn, task = self.run_to_stop(
            container(image=self.echo_uri + ":latest", entryPoint=["/bin/sh", "-c", script],
                      environment=[{"name": "SHARED", "value": "def"},
                                   {"name": "FROM_DEF", "value": "def"}],
                      user="1000", workingDirectory="/tmp"),
            overrides={"containerOverrides": [
                {"name": "app", "environment": [{"name": "FROM_RUN", "value": "run"}]}]})
        self.assertEqual(task["containers"][0]["exitCode"], 0, task)
        self.assertIn("env:img:def:def:run:1000:/tmp", self.output(arn, expect="env:"))

    def test_exit_codes_and_essential_containers(self):
        img = self.plain_uri + ":latest"
        # The non-essential container's exit leaves the task running; the essential one's ends it.
        arn, task = self.run_to_stop(
            container("side", image=img, essential=False, entryPoint=["sh", "-c", "exit 3"]),
            container("app", image=img, entryPoint=["sh", "-c", "sleep 2; exit 7"]))
        by_name = {c["name"]: c for c in task["containers"]}
        self.assertEqual(by_name["side"]["exitCode"], 3)
        self.assertEqual(by_name["app"]["exitCode"], 7)
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        # Containers of a task share localhost: one serves, the other fetches.
        arn, task = self.run_to_stop(
            container("web", image=img, essential=False, stopTimeout=2,
                      entryPoint=["sh", "-c", "echo hello-peer > /tmp/i; httpd -f -p 8080 -h /tmp"]),
            container("app", image=img, entryPoint=[
                "sh", "-c", "for i in $(seq 100); do wget -q -O - http://127.0.0.1:8080/i && exit 0;"
                            " sleep 0.2; done; exit 1"]))
        by_name = {c["name"]: c for c in task["containers"]}
        self.assertEqual(by_name["app"]["exitCode"], 0, task)
        self.assertIn("hello-peer", self.output(arn, expect="hello-peer"))
        self.assertIn(by_name["web"]["exitCode"], (137, 143))  # stopped once app exited

    def test_depends_on(self):
        img = self.plain_uri + ":latest"
        # app starts once init exited 0 (SUCCESS) and web has started (START).
        arn, task = self.run_to_stop(
            container("init", image=img, essential=False,
                      entryPoint=["sh", "-c", "sleep 1; echo init-done"]),
            container("web", image=img, essential=False, stopTimeout=2,
                      entryPoint=["sh", "-c", "echo web-up; sleep 30"]),
            container("app", image=img, entryPoint=["sh", "-c", "echo app-ran"],
                      dependsOn=[{"containerName": "init", "condition": "SUCCESS"},
                                 {"containerName": "web", "condition": "START"}]))
        by_name = {c["name"]: c for c in task["containers"]}
        self.assertEqual(by_name["init"]["exitCode"], 0, task)
        self.assertEqual(by_name["app"]["exitCode"], 0, task)
        self.assertIn("app-ran", self.output(arn, expect="app-ran"))
        # A dependency that fails SUCCESS: the essential container never starts.
        arn, task = self.run_to_stop(
            container("init", image=img, essential=False, entryPoint=["sh", "-c", "exit 4"]),
            container("app", image=img, entryPoint=["sh", "-c", "echo never"],
                      dependsOn=[{"containerName": "init", "condition": "SUCCESS"}]))
        self.assertEqual(task["stopCode"], "TaskFailedToStart", task)
        self.assertEqual(task["stoppedReason"],
                         "DependencyError: dependency init (SUCCESS): it exited with code 4")
        self.assertNotIn("exitCode", {c["name"]: c for c in task["containers"]}["app"])
        # startTimeout bounds the wait for COMPLETE.
        arn, task = self.run_to_stop(
            container("slow", image=img, essential=False, stopTimeout=1,
                      entryPoint=["sh", "-c", "sleep 60"]),
            container("app", image=img, startTimeout=2, entryPoint=["sh", "-c", "true"],
                      dependsOn=[{"containerName": "slow", "condition": "COMPLETE"}]))
        self.assertIn("startTimeout", task["stoppedReason"])

    def test_volumes_and_read_only_root(self):
        import tempfile
        img = self.plain_uri + ":latest"
        host_dir = tempfile.mkdtemp(prefix="nimbus-ecs-bind-")
        os.chmod(host_dir, 0o777)  # root inside may be another uid outside (user namespace)
        family = self.register(
            container("writer", image=img, essential=False, readonlyRootFilesystem=True,
                      mountPoints=[{"sourceVolume": "scratch", "containerPath": "/data"},
                                   {"sourceVolume": "hostdir", "containerPath": "/host"}],
                      entryPoint=["sh", "-c", "echo shared > /data/f && echo fromtask > /host/out"
                                              " && if touch /rootfile; then exit 9; fi"]),
            container("reader", image=img,
                      volumesFrom=[{"sourceContainer": "writer", "readOnly": True}],
                      dependsOn=[{"containerName": "writer", "condition": "SUCCESS"}],
                      entryPoint=["sh", "-c", "cat /data/f; if echo x > /data/g; then exit 8; fi"]),
            volumes=[{"name": "scratch"}, {"name": "hostdir", "host": {"sourcePath": host_dir}}])
        arn = self.run_task(family)
        task = self.wait_status(arn, "STOPPED")
        by_name = {c["name"]: c for c in task["containers"]}
        self.assertEqual(by_name["writer"]["exitCode"], 0, task)  # its root was read-only
        self.assertEqual(by_name["reader"]["exitCode"], 0, task)  # volumesFrom read-only
        self.assertIn("shared", self.output(arn, "reader", expect="shared"))
        with open(os.path.join(host_dir, "out")) as f:
            self.assertEqual(f.read(), "fromtask\n")
        shutil.rmtree(host_dir, ignore_errors=True)
        # (An unknown volume is refused at registration: test_ecs_control.)

    # -- stopping ---------------------------------------------------------------------------
    def test_stop_task_signals(self):
        img = self.plain_uri + ":latest"
        trapping = container(image=img, entryPoint=[
            "/bin/sh", "-c", "trap 'echo cleanup; exit 0' TERM; echo ready; "
                             "while true; do sleep 0.1; done"])
        arn = self.run_task(self.register(trapping))
        self.wait_status(arn, "RUNNING")
        self.output(arn, expect="ready")
        stopped = self.ecs.stop_task(task=arn)["task"]
        self.assertEqual(stopped["desiredStatus"], "STOPPED")
        task = self.wait_status(arn, "STOPPED")
        self.assertEqual(task["containers"][0]["exitCode"], 0, task)
        self.assertEqual(task["stopCode"], "UserInitiated")
        self.assertEqual(task["stoppedReason"], "Task stopped by user")
        self.assertIn("cleanup", self.output(arn, expect="cleanup"))

        # A shell-form entrypoint without a handler ignores SIGTERM as PID 1: SIGKILL after
        # stopTimeout, 137; the caller's reason.
        ignoring = container(image=img, stopTimeout=2,
                             entryPoint=["/bin/sh", "-c", "while true; do sleep 0.1; done"])
        arn = self.run_task(self.register(ignoring))
        self.wait_status(arn, "RUNNING")
        self.ecs.stop_task(task=arn, reason="deploy")
        task = self.wait_status(arn, "STOPPED")
        self.assertEqual(task["containers"][0]["exitCode"], 137, task)
        self.assertEqual(task["stoppedReason"], "deploy")
        self.assertGreaterEqual((task["stoppedAt"] - task["stoppingAt"]).total_seconds(), 1.5)

        # With initProcessEnabled an init forwards SIGTERM: sh dies of it (143).
        arn = self.run_task(self.register(dict(ignoring, linuxParameters={
            "initProcessEnabled": True})))
        self.wait_status(arn, "RUNNING")
        self.ecs.stop_task(task=arn)
        task = self.wait_status(arn, "STOPPED")
        self.assertEqual(task["containers"][0]["exitCode"], 143, task)

    def test_image_stop_signal(self):
        # The image's STOPSIGNAL (SIGQUIT) is what StopTask sends.
        arn = self.run_task(self.register(container(image=self.stop_uri + ":latest", entryPoint=[
            "/bin/sh", "-c", "trap 'exit 42' QUIT; trap 'exit 1' TERM; echo ready; "
                             "while true; do sleep 0.1; done"])))
        self.wait_status(arn, "RUNNING")
        self.output(arn, expect="ready")
        self.ecs.stop_task(task=arn)
        task = self.wait_status(arn, "STOPPED")
        self.assertEqual(task["containers"][0]["exitCode"], 42, task)

    def test_out_of_memory(self):
        arn, task = self.run_to_stop(container(
            image=self.plain_uri + ":latest", memory=16,
            entryPoint=["sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1; exit 0"]))
        c = task["containers"][0]
        self.assertEqual(c["exitCode"], 137, task)
        self.assertEqual(c["reason"], "OutOfMemoryError: Container killed due to memory usage")
        self.assertEqual(task["stoppedReason"], "Essential container in task exited")

    # -- failures ---------------------------------------------------------------------------
    def test_missing_image_and_missing_executable(self):
        arn, task = self.run_to_stop(container(image=self.plain_uri + ":nope"))
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertTrue(task["stoppedReason"].startswith("CannotPullContainerError: "), task)
        self.assertTrue(task["containers"][0]["reason"].startswith("CannotPullContainerError"))
        arn, task = self.run_to_stop(container(image=self.plain_uri + ":latest",
                                               entryPoint=["/no/such/program"]))
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertTrue(task["stoppedReason"].startswith("CannotStartContainerError: "), task)
        self.assertIn("/no/such/program", task["stoppedReason"])
        self.assertNotIn("exitCode", task["containers"][0])
        # environmentFiles are S3 objects (no S3 in nimbus yet); privileged would reach the host.
        arn, task = self.run_to_stop(container(image=self.plain_uri + ":latest", environmentFiles=[
            {"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}]))
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertTrue(task["stoppedReason"].startswith(
            "ResourceInitializationError: failed to download env files: "), task)
        arn, task = self.run_to_stop(container(image=self.plain_uri + ":latest", privileged=True))
        self.assertTrue(task["stoppedReason"].startswith("CannotStartContainerError: "), task)
        self.assertIn("privileged", task["stoppedReason"])

    # -- waiters with boto3 and both CLIs ---------------------------------------------------
    def test_waiters(self):
        family = self.register(container(image=self.plain_uri + ":latest",
                                         entryPoint=["sh", "-c", "sleep 3"]))
        arn = self.run_task(family)
        self.ecs.get_waiter("tasks_running").wait(tasks=[arn],
                                                  WaiterConfig={"Delay": 1, "MaxAttempts": WAIT})
        self.ecs.get_waiter("tasks_stopped").wait(tasks=[arn],
                                                  WaiterConfig={"Delay": 1, "MaxAttempts": WAIT})
        self.assertEqual(self.describe(arn)["containers"][0]["exitCode"], 0)
        for v2 in (False, True):
            arn = self.run_task(family)
            self.n.aws("ecs", "wait", "tasks-running", "--tasks", arn, v2=v2)
            self.n.aws("ecs", "wait", "tasks-stopped", "--tasks", arn, v2=v2)
            self.assertEqual(self.describe(arn)["lastStatus"], "STOPPED")


@unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
class EcsTasksAcrossRestarts(unittest.TestCase):
    def leftovers(self, n, marker):
        """Processes whose command line has `marker`, and overlay mounts of n's data dir."""
        procs = []
        for path in glob.glob("/proc/[0-9]*/cmdline"):
            try:
                with open(path, "rb") as f:
                    if marker.encode() in f.read().replace(b"\0", b" "):
                        procs.append(path)
            except OSError:
                pass
        with open("/proc/self/mountinfo") as f:
            mounts = [l for l in f if n.data_dir in l]
        return procs, mounts

    def check(self, sig):
        with Nimbus() as n:
            ecs = n.client("ecs")
            uri, _ = push_image(n, "sleeper")
            marker = "sleep 987%d" % sig
            ecs.register_task_definition(family="long", containerDefinitions=[container(
                image=uri + ":latest", entryPoint=["sh", "-c", marker])])
            arn = ecs.run_task(taskDefinition="long")["tasks"][0]["taskArn"]
            ecs.get_waiter("tasks_running").wait(tasks=[arn],
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": WAIT})
            self.assertTrue(self.leftovers(n, marker)[0])
            n.restart(sig)
            task = n.client("ecs").describe_tasks(tasks=[arn])["tasks"][0]
            self.assertEqual(task["lastStatus"], "STOPPED")
            self.assertEqual(task["desiredStatus"], "STOPPED")
            self.assertEqual(task["stopCode"], "TerminationNotice")
            self.assertEqual(task["stoppedReason"],
                             "nimbus stopped while the task was running (its containers ended "
                             "with it)")
            deadline = time.time() + WAIT
            while self.leftovers(n, marker) != ([], []) and time.time() < deadline:
                time.sleep(0.2)
            self.assertEqual(self.leftovers(n, marker), ([], []))
            self.assertEqual(os.listdir(os.path.join(n.data_dir, "ecs", "tasks")), [])

    def test_restart(self):
        self.check(signal.SIGTERM)

    def test_kill_9(self):
        self.check(signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
