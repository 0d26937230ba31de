"""ECS containers' output through the awslogs log driver into nimbus's CloudWatch Logs, driven by
boto3 and /usr/bin/aws (v2) on busybox-static images the test pushes (images.py): lines in order
in stream prefix/container/task-id (stdout and stderr, a last line without a newline, the
cleanup line a trapping container writes on SIGTERM), `aws logs tail --follow` showing a running
task's lines live, awslogs-create-group, a missing group failing the task with AWS's reason,
RegisterTaskDefinition's checks of the options, multiline events by awslogs-datetime-format,
and the lines of a task kept across a restart. Waits are generous: the machine may be loaded."""
import time
import unittest

from harness import Nimbus
from images import have_busybox, push_image

WAIT = 90  # seconds: a loaded 2-core machine


def awslogs(group, prefix="app", **options):
    opts = {"awslogs-group": group, "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": prefix}
    opts.update(options)
    return {"logDriver": "awslogs", "options": opts}


@unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
class EcsLogs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.ecs = cls.n.client("ecs")
        cls.logs = cls.n.client("logs")
        cls.uri, _ = push_image(cls.n, "logger")
        cls.image = cls.uri + ":latest"
        cls.families = 0

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def register(self, script, log_configuration, **extra):
        EcsLogs.families += 1
        family = "logs%d" % EcsLogs.families
        c = {"name": "web", "image": self.image, "memory": 64,
             "entryPoint": ["/bin/sh", "-c", script], "logConfiguration": log_configuration}
        self.ecs.register_task_definition(family=family, containerDefinitions=[c], **extra)
        return family

    def run_task(self, family):
        out = self.ecs.run_task(taskDefinition=family)
        self.assertEqual(out["failures"], [])
        return out["tasks"][0]["taskArn"]

    def wait_status(self, arn, status, timeout=WAIT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            task = self.ecs.describe_tasks(tasks=[arn])["tasks"][0]
            if task["lastStatus"] == status:
                return task
            time.sleep(0.1)
        self.fail("task not %s after %d s" % (status, timeout))

    def events(self, group, stream):
        out = self.logs.get_log_events(logGroupName=group, logStreamName=stream,
                                       startFromHead=True)
        return [e["message"] for e in out["events"]]

    def wait_events(self, group, stream, expect, timeout=WAIT):
        deadline = time.time() + timeout
        while True:
            try:
                got = self.events(group, stream)
            except self.logs.exceptions.ResourceNotFoundException:
                got = []
            if expect in got or time.time() > deadline:
                return got
            time.sleep(0.2)

    def test_lines_in_order_with_sigterm_cleanup(self):
        self.logs.create_log_group(logGroupName="/ecs/order")
        script = ("trap 'echo cleanup after SIGTERM; exit 0' TERM; i=0; "
                  "while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done; "
                  "echo to-stderr >&2; echo ready; while true; do sleep 0.1; done")
        arn = self.run_task(self.register(script, awslogs("/ecs/order", "svc")))
        task_id = arn.rsplit("/", 1)[1]
        stream = "svc/web/" + task_id
        self.wait_status(arn, "RUNNING")
        self.assertIn("ready", self.wait_events("/ecs/order", stream, "ready"))
        self.ecs.stop_task(task=arn)
        task = self.wait_status(arn, "STOPPED")
        self.assertEqual(task["containers"][0]["exitCode"], 0, task)
        # Durable by the time the task is STOPPED.
        got = self.events("/ecs/order", stream)
        self.assertEqual([l for l in got if l.startswith("line ")],
                         ["line %d" % i for i in range(300)])
        self.assertIn("to-stderr", got)
        self.assertEqual(got[-1], "cleanup after SIGTERM")

    def test_last_line_without_newline_and_create_group(self):
        arn = self.run_task(self.register("echo first; printf 'no newline'",
                                          awslogs("/ecs/created", "p",
                                                  **{"awslogs-create-group": "true"})))
        task = self.wait_status(arn, "STOPPED")
        self.assertEqual(task["stopCode"], "EssentialContainerExited", task)
        stream = "p/web/" + arn.rsplit("/", 1)[1]
        self.assertEqual(self.events("/ecs/created", stream), ["first", "no newline"])

    def test_missing_group_fails_the_task(self):
        arn = self.run_task(self.register("echo never", awslogs("/ecs/absent")))
        task = self.wait_status(arn, "STOPPED")
        self.assertEqual(task["stopCode"], "TaskFailedToStart", task)
        want = ("CannotStartContainerError: Error response from daemon: failed to initialize "
                "logging driver: failed to create Cloudwatch log stream: "
                "ResourceNotFoundException: The specified log group does not exist.")
        self.assertIn(want, task["stoppedReason"] + " " + str(task["containers"][0].get("reason")))
        with self.assertRaises(self.logs.exceptions.ResourceNotFoundException):
            self.logs.describe_log_streams(logGroupName="/ecs/absent")

    def test_register_checks_options(self):
        bad = [
            ({"logDriver": "awslogs", "options": {"awslogs-group": "g"}},
             "Log driver awslogs requires options: awslogs-region"),
            (awslogs("g", **{"log_key": "x"}), "Log driver awslogs disallows options: log_key"),
        ]
        for config, message in bad:
            with self.subTest(message=message):
                with self.assertRaises(self.ecs.exceptions.ClientException) as err:
                    self.register("true", config)
                self.assertEqual(err.exception.response["Error"]["Message"], message)

    def test_mode_defaults_to_the_account_setting(self):
        # max-buffer-size is Docker's option of mode non-blocking: without a mode it is valid
        # only while the account's defaultLogDriverMode (non-blocking unless changed) fills it in.
        self.logs.create_log_group(logGroupName="/ecs/mode")
        family = self.register("echo buffered", awslogs("/ecs/mode", "m",
                                                        **{"max-buffer-size": "1m"}))
        arn = self.run_task(family)
        task = self.wait_status(arn, "STOPPED")
        self.assertEqual(task["stopCode"], "EssentialContainerExited", task)
        self.assertEqual(self.events("/ecs/mode", "m/web/" + arn.rsplit("/", 1)[1]), ["buffered"])
        self.ecs.put_account_setting_default(name="defaultLogDriverMode", value="blocking")
        try:
            task = self.wait_status(self.run_task(family), "STOPPED")
        finally:
            self.ecs.put_account_setting_default(name="defaultLogDriverMode", value="non-blocking")
        self.assertEqual(task["stopCode"], "TaskFailedToStart", task)
        self.assertIn("max-buffer-size option is only supported with 'mode=non-blocking'",
                      task["stoppedReason"])
        # The registered definition is unchanged.
        td = self.ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
        self.assertNotIn("mode", td["containerDefinitions"][0]["logConfiguration"]["options"])

    def test_multiline_by_datetime_format(self):
        self.logs.create_log_group(logGroupName="/ecs/multi")
        script = ("echo '2024-01-31 12:00:00 boom'; echo '  at one'; echo '  at two'; "
                  "echo '2024-01-31 12:00:01 next'")
        arn = self.run_task(self.register(
            script, awslogs("/ecs/multi", **{"awslogs-datetime-format": "%Y-%m-%d %H:%M:%S"})))
        self.wait_status(arn, "STOPPED")
        stream = "app/web/" + arn.rsplit("/", 1)[1]
        self.assertEqual(self.events("/ecs/multi", stream),
                         ["2024-01-31 12:00:00 boom\n  at one\n  at two\n",
                          "2024-01-31 12:00:01 next\n"])

    def test_cli_v2_tail_follow_shows_a_running_task(self):
        self.logs.create_log_group(logGroupName="/ecs/follow")
        script = "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done"
        arn = self.run_task(self.register(script, awslogs("/ecs/follow")))
        self.wait_status(arn, "RUNNING")
        try:
            with self.n.log_tail_follow("/ecs/follow") as read_until:
                # Written after tail started: followed live.
                self.assertIn(b"tick 12", read_until(b"tick 12", WAIT))
        finally:
            self.ecs.stop_task(task=arn)
        self.wait_status(arn, "STOPPED")


if __name__ == "__main__":
    unittest.main()
