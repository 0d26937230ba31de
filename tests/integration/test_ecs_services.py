"""ECS services on real containers, driven by boto3, both AWS CLIs and @aws-sdk/client-ecs:
the scheduler keeps the desired count (a stopped task is replaced, scale out and in with AWS's
stop code and reason), deployments move PRIMARY/ACTIVE with rolloutState and counts, rolling
updates stay within minimumHealthyPercent and maximumPercent, the circuit breaker fails a
broken revision and rolls back, service events are worded as AWS's, the services-stable waiter
of boto3, both CLIs and the JS SDK, service deployments and revisions, software version
consistency (the field note) and `nimbus ecs drift`, a restart mid-deployment, bad input.

nimbus runs with --ecs-task-healthy-seconds 1 (AWS counts a task without health checks healthy
after 40 s RUNNING), so rollouts finish in seconds. Waits are generous: the machine may be
loaded."""
import json
import os
import shutil
import subprocess
import time
import unittest

from botocore.exceptions import ClientError

from harness import NIMBUS_BIN, Nimbus
from images import have_busybox, push_image

WAIT = 120  # seconds: a loaded 2-core machine
# PID 1 that exits 0 on SIGTERM (busybox sh as PID 1 would otherwise wait for the SIGKILL).
LOOP = ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]


@unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
class EcsServices(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus("--ecs-task-healthy-seconds", "1").start()
        cls.ecs = cls.n.client("ecs")
        cls.uri, cls.digest = push_image(cls.n, "svc", tag="v1", entrypoint=LOOP)
        cls.image = cls.uri + ":v1"
        cls.ecs.create_cluster(clusterName="svc")
        cls.count = 0

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    # -- helpers ----------------------------------------------------------------------------
    def family(self, image=None, **container):
        EcsServices.count += 1
        family = "svcf%d" % EcsServices.count
        c = {"name": "app", "image": image or self.image, "memory": 32, "stopTimeout": 2}
        c.update(container)
        return self.ecs.register_task_definition(
            family=family, containerDefinitions=[c])["taskDefinition"]["taskDefinitionArn"]

    def create(self, name, td, desired, **kw):
        return self.ecs.create_service(cluster="svc", serviceName=name, taskDefinition=td,
                                       desiredCount=desired, **kw)["service"]

    def describe(self, name):
        return self.ecs.describe_services(cluster="svc", services=[name])["services"][0]

    def wait_for(self, name, check, what, timeout=WAIT):
        deadline = time.time() + timeout
        while True:
            s = self.describe(name)
            if check(s):
                return s
            if time.time() > deadline:
                self.fail("service %s not %s after %d s: %s" % (name, what, timeout, s))
            time.sleep(0.2)

    def wait_stable(self, name):
        """The services-stable waiter (counts only), then the rollout COMPLETED (new tasks count
        healthy a moment after RUNNING)."""
        self.ecs.get_waiter("services_stable").wait(
            cluster="svc", services=[name], WaiterConfig={"Delay": 1, "MaxAttempts": WAIT})
        return self.wait_for(name, lambda s: s["deployments"][0]["rolloutState"] == "COMPLETED",
                             "COMPLETED")

    def tasks(self, name, status="RUNNING"):
        arns = self.ecs.list_tasks(cluster="svc", serviceName=name,
                                   desiredStatus=status)["taskArns"]
        return self.ecs.describe_tasks(cluster="svc", tasks=arns)["tasks"] if arns else []

    def messages(self, service):
        return [e["message"] for e in service["events"]]

    # -- desired count ----------------------------------------------------------------------
    def test_desired_count_replacements_and_scaling(self):
        created = self.create("keep", self.family(), 2)
        self.assertEqual(created["status"], "ACTIVE")
        self.assertEqual(created["serviceArn"], "arn:aws:ecs:us-east-1:000000000000:service/svc/keep")
        dep = created["deployments"][0]
        self.assertRegex(dep["id"], r"^ecs-svc/\d{19}$")
        self.assertEqual((dep["status"], dep["rolloutState"]), ("PRIMARY", "IN_PROGRESS"))

        s = self.wait_stable("keep")
        self.assertEqual((s["runningCount"], s["pendingCount"]), (2, 0))
        self.assertEqual(len(s["deployments"]), 1)
        dep = s["deployments"][0]
        self.assertEqual((dep["rolloutState"], dep["runningCount"]), ("COMPLETED", 2))
        self.assertEqual(dep["rolloutStateReason"], "ECS deployment %s completed." % dep["id"])
        tasks = self.tasks("keep")
        self.assertEqual(len(tasks), 2)
        for t in tasks:
            self.assertEqual(t["startedBy"], dep["id"])
            self.assertEqual(t["group"], "service:keep")
        ids = sorted(t["taskArn"].rsplit("/", 1)[1] for t in tasks)
        msgs = self.messages(s)
        self.assertIn("(service keep) has reached a steady state.", msgs)
        started = [m for m in msgs if m.startswith("(service keep) has started 2 tasks: ")][0]
        for i in ids:
            self.assertIn("(task %s)" % i, started)
        self.assertIn("(service keep) (deployment %s) deployment completed." % dep["id"], msgs)

        # A task stopped by hand is replaced by the same deployment.
        self.ecs.stop_task(cluster="svc", task=tasks[0]["taskArn"])
        s = self.wait_for("keep", lambda s: s["runningCount"] == 2 and len(self.tasks("keep")) == 2
                          and tasks[0]["taskArn"] not in [t["taskArn"] for t in self.tasks("keep")],
                          "replaced")
        self.assertEqual({t["startedBy"] for t in self.tasks("keep")}, {dep["id"]})

        # Scale out, then in: the scheduler stops the extra tasks saying why.
        self.ecs.update_service(cluster="svc", service="keep", desiredCount=3)
        self.wait_for("keep", lambda s: s["runningCount"] == 3, "at 3")
        self.ecs.update_service(cluster="svc", service="keep", desiredCount=1)
        s = self.wait_for("keep", lambda s: s["runningCount"] == 1 and s["pendingCount"] == 0
                          and len(self.tasks("keep")) == 1, "at 1")
        stopped = [t for t in self.tasks("keep", "STOPPED")
                   if t.get("stopCode") == "ServiceSchedulerInitiated"]
        self.assertEqual(len(stopped), 2, stopped)
        for t in stopped:
            self.assertEqual(t["stoppedReason"],
                             "Scaling activity initiated by (deployment %s)" % dep["id"])
        self.assertTrue(any(m.startswith("(service keep) has stopped 2 running tasks: ")
                            for m in self.messages(s)), self.messages(s))

        # Deleting needs desiredCount 0 or force; the service drains to INACTIVE.
        with self.assertRaises(ClientError) as e:
            self.ecs.delete_service(cluster="svc", service="keep")
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterException")
        out = self.ecs.delete_service(cluster="svc", service="keep", force=True)["service"]
        self.assertEqual(out["status"], "DRAINING")
        self.ecs.get_waiter("services_inactive").wait(
            cluster="svc", services=["keep"], WaiterConfig={"Delay": 1, "MaxAttempts": WAIT})
        self.assertEqual(self.tasks("keep"), [])
        self.assertNotIn(out["serviceArn"], self.ecs.list_services(cluster="svc")["serviceArns"])

    # -- rolling updates --------------------------------------------------------------------
    def test_rolling_update_respects_minimum_and_maximum(self):
        # desired 4, min 50 %, max 100 %: at most 4 tasks, at least 2 healthy while rolling.
        self.create("roll", self.family(), 4,
                    deploymentConfiguration={"minimumHealthyPercent": 50, "maximumPercent": 100})
        first = self.wait_stable("roll")["deployments"][0]["id"]
        new_td = self.family()
        out = self.ecs.update_service(cluster="svc", service="roll", taskDefinition=new_td)
        deps = out["service"]["deployments"]
        self.assertEqual([d["status"] for d in deps], ["PRIMARY", "ACTIVE"])
        self.assertEqual(deps[1]["id"], first)
        self.assertEqual(out["service"]["taskDefinition"], new_td)
        seen = []
        deadline = time.time() + WAIT
        while time.time() < deadline:
            s = self.describe("roll")
            live = self.tasks("roll")
            running = [t for t in live if t["lastStatus"] == "RUNNING"]
            seen.append((len(live), len(running)))
            self.assertLessEqual(len(live), 4, s)  # maximumPercent 100 % of 4
            self.assertGreaterEqual(len(running), 2, s)  # minimumHealthyPercent 50 % of 4
            if len(s["deployments"]) == 1 and s["deployments"][0]["rolloutState"] == "COMPLETED":
                break
            time.sleep(0.2)
        s = self.describe("roll")
        self.assertEqual(s["deployments"][0]["rolloutState"], "COMPLETED", (s, seen))
        self.assertEqual(s["runningCount"], 4)
        self.assertEqual({t["taskDefinitionArn"] for t in self.tasks("roll")}, {new_td})
        listed = self.ecs.list_service_deployments(cluster="svc", service="roll")
        briefs = listed["serviceDeployments"]
        self.assertEqual([b["status"] for b in briefs], ["SUCCESSFUL", "SUCCESSFUL"])
        full = self.ecs.describe_service_deployments(
            serviceDeploymentArns=[briefs[0]["serviceDeploymentArn"]])["serviceDeployments"][0]
        self.assertEqual(full["targetServiceRevision"]["runningTaskCount"], 4)
        self.assertEqual(full["sourceServiceRevisions"][0]["arn"],
                         briefs[1]["targetServiceRevisionArn"])
        self.assertEqual(full["deploymentConfiguration"]["maximumPercent"], 100)
        self.ecs.delete_service(cluster="svc", service="roll", force=True)

    def test_circuit_breaker_rolls_back_a_broken_revision(self):
        good = self.family()
        self.create("cb", good, 1, deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
        stable = self.wait_stable("cb")["deployments"][0]["id"]
        before = {t["taskArn"] for t in self.tasks("cb")}
        broken = self.family(entryPoint=["/bin/sh", "-c", "exit 3"])
        failed = self.ecs.update_service(cluster="svc", service="cb",
                                         taskDefinition=broken)["service"]["deployments"][0]["id"]
        # As on AWS: the last completed deployment is PRIMARY again under its own id, and its
        # task, which minimumHealthyPercent 100 kept running, stays.
        s = self.wait_for("cb", lambda s: len(s["deployments"]) == 1
                          and s["deployments"][0]["rolloutState"] == "COMPLETED"
                          and s["deployments"][0]["id"] == stable
                          and any("rolling back" in m for m in self.messages(s)), "rolled back")
        self.assertEqual({t["taskArn"] for t in self.tasks("cb")}, before)
        self.assertEqual(self.messages(s).count(
            "(service cb) (deployment %s) deployment completed." % stable), 2)
        dep = s["deployments"][0]
        self.assertEqual(dep["taskDefinition"], good)
        self.assertEqual(s["taskDefinition"], good)
        msgs = self.messages(s)
        self.assertIn("(service cb) (deployment %s) deployment failed: tasks failed to start."
                      % failed, msgs)
        self.assertIn("(service cb) rolling back to deployment %s." % stable, msgs)
        self.assertEqual({t["taskDefinitionArn"] for t in self.tasks("cb")}, {good})
        briefs = self.ecs.list_service_deployments(cluster="svc", service="cb")["serviceDeployments"]
        self.assertEqual([b["status"] for b in briefs], ["ROLLBACK_SUCCESSFUL", "SUCCESSFUL"])
        full = self.ecs.describe_service_deployments(
            serviceDeploymentArns=[briefs[0]["serviceDeploymentArn"]])["serviceDeployments"][0]
        self.assertEqual(full["deploymentCircuitBreaker"]["status"], "TRIGGERED")
        self.assertGreaterEqual(full["deploymentCircuitBreaker"]["failureCount"], 3)
        self.assertEqual(full["deploymentCircuitBreaker"]["threshold"], 3)
        self.assertEqual(full["rollback"]["serviceRevisionArn"],
                         briefs[1]["targetServiceRevisionArn"])
        self.ecs.delete_service(cluster="svc", service="cb", force=True)

    # -- software version consistency ------------------------------------------------------
    def test_field_note_tag_pinned_until_a_new_deployment(self):
        """The field note: a service runs demo:1.10; the tag is re-pushed; a replacement task
        still runs the old digest; force-new-deployment resolves the tag again. A container
        with versionConsistency disabled follows the tag; a pinned digest deleted from the
        registry fails replacements with CannotPullContainerError ... manifest unknown."""
        def push(version):
            return push_image(self.n, "demo", tag="1.10", env={"V": version}, entrypoint=[
                "/bin/sh", "-c",
                "echo running $V; trap 'exit 0' TERM; while true; do sleep 0.2; done"])[1]

        a = push("A")
        logs = {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/demo", "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "demo", "awslogs-create-group": "true"}}
        image = self.uri.rsplit("/", 1)[0] + "/demo:1.10"
        EcsServices.count += 1
        td = self.ecs.register_task_definition(family="demo", containerDefinitions=[
            {"name": "app", "image": image, "memory": 32, "stopTimeout": 2,
             "logConfiguration": logs},
            {"name": "side", "image": image, "memory": 32, "stopTimeout": 2,
             "essential": False, "versionConsistency": "disabled"},
        ])["taskDefinition"]["taskDefinitionArn"]
        self.create("demo", td, 1)
        s = self.wait_stable("demo")
        first = s["deployments"][0]["id"]
        revision = self.ecs.describe_service_revisions(
            serviceRevisionArns=[s["currentServiceRevisions"][0]["arn"]])["serviceRevisions"][0]
        images = {c["containerName"]: c for c in revision["containerImages"]}
        self.assertEqual(images["app"]["imageDigest"], a)
        self.assertEqual(images["app"]["image"], image)
        self.assertNotIn("imageDigest", images["side"])  # versionConsistency disabled

        def digests():
            tasks = self.tasks("demo")
            self.assertEqual(len(tasks), 1)
            return tasks[0], {c["name"]: c.get("imageDigest") for c in tasks[0]["containers"]}

        task, running = digests()
        self.assertEqual(running, {"app": a, "side": a})

        b = push("B")
        self.assertNotEqual(a, b)
        self.ecs.stop_task(cluster="svc", task=task["taskArn"])
        def replaced(_):
            now = self.tasks("demo")
            return len(now) == 1 and now[0]["taskArn"] != task["taskArn"] and \
                now[0]["lastStatus"] == "RUNNING"
        self.wait_for("demo", replaced, "replaced")
        replacement, running = digests()
        self.assertEqual(replacement["startedBy"], first)
        self.assertEqual(running, {"app": a, "side": b})  # the pinned digest; side follows
        self.assertEqual(replacement["containers"][0]["image"], image)
        stream = "demo/app/" + replacement["taskArn"].rsplit("/", 1)[1]
        self.assertIn("running A", self.log_lines("/ecs/demo", stream, "running A"))
        # nimbus ecs drift shows it: app runs A while demo:1.10 names B (side follows the tag).
        drift = json.loads(self.drift("--cluster", "svc", "--output", "json"))["drift"]
        self.assertEqual(len(drift), 1, drift)
        self.assertEqual((drift[0]["service"], drift[0]["container"], drift[0]["image"]),
                         ("demo", "app", image))
        self.assertEqual((drift[0]["runningDigest"], drift[0]["currentDigest"]), (a, b))
        self.assertEqual(drift[0]["tasks"], [replacement["taskArn"].rsplit("/", 1)[1]])
        self.assertRegex(drift[0]["currentPushedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        text = self.drift().splitlines()
        self.assertEqual(text[0].split(), ["CLUSTER", "SERVICE", "CONTAINER", "IMAGE", "RUNNING",
                                           "CURRENT", "PUSHED", "TASKS"])
        row = [line.split() for line in text[1:] if " demo " in line]
        self.assertEqual(row[0][:6], ["svc", "demo", "app", image, a[:19], b[:19]])

        self.ecs.update_service(cluster="svc", service="demo", forceNewDeployment=True)
        s = self.wait_for("demo", lambda s: len(s["deployments"]) == 1 and
                          s["deployments"][0]["id"] != first and
                          s["deployments"][0]["rolloutState"] == "COMPLETED", "redeployed")
        task, running = digests()
        self.assertEqual(running, {"app": b, "side": b})
        revision = self.ecs.describe_service_revisions(
            serviceRevisionArns=[s["currentServiceRevisions"][0]["arn"]])["serviceRevisions"][0]
        self.assertEqual(revision["containerImages"][0]["imageDigest"], b)
        stream = "demo/app/" + task["taskArn"].rsplit("/", 1)[1]
        self.assertIn("running B", self.log_lines("/ecs/demo", stream, "running B"))
        self.assertEqual(json.loads(self.drift("--output", "json"))["drift"], [])

        # The pinned digest B disappears from the registry: a replacement cannot pull it.
        push("C")
        ecr = self.n.client("ecr")
        ecr.batch_delete_image(repositoryName="demo", imageIds=[{"imageDigest": b}])
        self.ecs.stop_task(cluster="svc", task=task["taskArn"])
        deadline = time.time() + WAIT
        failed = []
        while not failed and time.time() < deadline:
            failed = [t for t in self.tasks("demo", "STOPPED")
                      if t.get("stopCode") == "TaskFailedToStart"]
            time.sleep(0.2)
        self.assertTrue(failed, "no replacement failed to pull")
        self.assertTrue(failed[0]["stoppedReason"].startswith("CannotPullContainerError: "))
        reason = [c for c in failed[0]["containers"] if c["name"] == "app"][0]["reason"]
        self.assertIn("demo@" + b, reason)  # the task's stoppedReason is clipped to 255
        self.assertTrue(reason.endswith("manifest unknown"), reason)
        self.ecs.delete_service(cluster="svc", service="demo", force=True)

    def drift(self, *args):
        res = subprocess.run([NIMBUS_BIN, "ecs", "drift"] + list(args), capture_output=True,
                             env=self.n.client_env(), timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        return res.stdout.decode()

    def log_lines(self, group, stream, expect):
        logs = self.n.client("logs")
        deadline = time.time() + WAIT
        while True:
            try:
                events = logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
            except ClientError:
                events = []
            lines = [e["message"] for e in events]
            if expect in lines or time.time() > deadline:
                return lines
            time.sleep(0.2)

    # -- clients ----------------------------------------------------------------------------
    def test_services_stable_waiter_in_both_clis(self):
        self.create("cli", self.family(), 1)
        for v2 in (False, True):
            with self.subTest(v2=v2):
                res = self.n.aws("ecs", "wait", "services-stable", "--cluster", "svc",
                                 "--services", "cli", v2=v2, check=False)
                self.assertEqual(res.returncode, 0, res.stderr)
        out = self.n.aws("ecs", "describe-services", "--cluster", "svc", "--services", "cli",
                         v2=True)
        self.assertEqual(out["services"][0]["runningCount"], 1)
        self.n.aws("ecs", "delete-service", "--cluster", "svc", "--service", "cli", "--force")

    @unittest.skipUnless(shutil.which("node") and os.path.isdir(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "js", "node_modules", "@aws-sdk",
        "client-ecs")), "node or @aws-sdk/client-ecs missing (make test installs them)")
    def test_js_sdk_services_stable(self):
        res = self.n.node("ecs_service_stable.mjs", "svc", "js", self.family(), "2")
        out = json.loads(res.stdout.decode())
        self.assertEqual((out["runningCount"], out["desiredCount"]), (2, 2), out)
        self.assertEqual([d["status"] for d in out["deployments"]], ["PRIMARY"])
        self.assertRegex(out["deployments"][0]["id"], r"^ecs-svc/\d{19}$")
        self.assertTrue(out["createdAt"])
        self.ecs.delete_service(cluster="svc", service="js", force=True)

    # -- bad input --------------------------------------------------------------------------
    def test_bad_input(self):
        td = self.family()
        self.create("dup", td, 0)

        def code(call, **kw):
            with self.assertRaises(ClientError) as e:
                call(**kw)
            return e.exception.response["Error"]["Code"], e.exception.response["Error"]["Message"]

        self.assertEqual(code(self.ecs.create_service, cluster="svc", serviceName="dup",
                              taskDefinition=td),
                         ("InvalidParameterException", "Creation of service was not idempotent."))
        self.assertEqual(code(self.ecs.create_service, cluster="svc", serviceName="x",
                              taskDefinition="nope:9")[0], "ClientException")
        self.assertEqual(code(self.ecs.create_service, cluster="svc", serviceName="bad name",
                              taskDefinition=td)[0], "InvalidParameterException")
        self.assertEqual(code(self.ecs.create_service, cluster="nope", serviceName="x",
                              taskDefinition=td)[0], "ClusterNotFoundException")
        self.assertEqual(code(self.ecs.create_service, cluster="svc", serviceName="x",
                              taskDefinition=td, schedulingStrategy="DAEMON")[0],
                         "InvalidParameterException")
        self.assertEqual(code(self.ecs.create_service, cluster="svc", serviceName="x",
                              taskDefinition=td, loadBalancers=[{"targetGroupArn": "arn:x",
                                                                 "containerName": "app",
                                                                 "containerPort": 80}])[0],
                         "InvalidParameterException")
        self.assertEqual(code(self.ecs.create_service, cluster="svc", serviceName="x",
                              taskDefinition=td,
                              deploymentConfiguration={"minimumHealthyPercent": 150})[0],
                         "InvalidParameterException")
        self.assertEqual(code(self.ecs.update_service, cluster="svc", service="missing"),
                         ("ServiceNotFoundException", "Service not found."))
        self.assertEqual(code(self.ecs.update_service, cluster="svc", service="dup",
                              taskDefinition="nope:3")[0], "ClientException")
        self.assertEqual(code(self.ecs.list_service_deployments, cluster="svc",
                              service="missing")[0], "ServiceNotFoundException")
        out = self.ecs.describe_services(cluster="svc", services=["missing", "dup"])
        self.assertEqual([s["serviceName"] for s in out["services"]], ["dup"])
        self.assertEqual(out["failures"], [{
            "arn": "arn:aws:ecs:us-east-1:000000000000:service/svc/missing", "reason": "MISSING"}])
        missing = self.ecs.describe_service_revisions(serviceRevisionArns=["arn:aws:ecs:us-east-1:"
                                                      "000000000000:service-revision/svc/dup/1"])
        self.assertEqual(missing["failures"][0]["reason"], "MISSING")
        res = self.n.aws("ecs", "list-services-by-namespace", "--namespace", "x", v2=True,
                         check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("ListServicesByNamespace", res.stderr.decode())
        # nimbus ecs drift: usage errors exit 2, an unreachable nimbus 1, naming the problem.
        cases = ((["ecs"], 2, "usage: nimbus ecs drift"),
                 (["ecs", "drift", "--bogus"], 2, "unexpected argument '--bogus'"),
                 (["ecs", "drift", "--endpoint-url", "http://127.0.0.1:9"], 1,
                  "cannot connect to 127.0.0.1:9"),
                 (["ecs", "drift", "--cluster", "nope"], 1, "ClusterNotFoundException"))
        for args, exit_code, says in cases:
            res = subprocess.run([NIMBUS_BIN] + args, capture_output=True, timeout=60,
                                 env=self.n.client_env())
            self.assertEqual(res.returncode, exit_code, (args, res.stderr))
            self.assertIn(says, res.stderr.decode())
        self.assertEqual(code(self.ecs.update_service, cluster="svc", service="dup",
                              desiredCount=5001)[0], "InvalidParameterException")
        self.assertGreaterEqual(self.ecs.describe_clusters(clusters=["svc"])["clusters"][0][
            "activeServicesCount"], 1)
        arn = self.describe("dup")["serviceArn"]
        self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "a"}])
        self.assertEqual(self.ecs.list_tags_for_resource(resourceArn=arn)["tags"],
                         [{"key": "team", "value": "a"}])
        self.assertEqual(self.ecs.describe_services(cluster="svc", services=["dup"],
                                                    include=["TAGS"])["services"][0]["tags"],
                         [{"key": "team", "value": "a"}])
        self.ecs.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(self.ecs.list_tags_for_resource(resourceArn=arn)["tags"], [])
        self.assertEqual(code(self.ecs.delete_cluster, cluster="svc"),
                         ("ClusterContainsServicesException",
                          "The Cluster cannot be deleted while Services are active."))
        self.ecs.delete_service(cluster="svc", service="dup")
        with self.assertRaises(ClientError) as e:
            self.ecs.update_service(cluster="svc", service="dup", desiredCount=1)
        self.assertEqual(e.exception.response["Error"]["Code"], "ServiceNotActiveException")


@unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
class EcsServicesRestart(unittest.TestCase):
    def test_restart_mid_deployment_brings_the_tasks_back_pinned(self):
        # New tasks never count healthy before the restart: the rollout is mid-way.
        with Nimbus("--ecs-task-healthy-seconds", "3600") as n:
            ecs = n.client("ecs")
            _, a = push_image(n, "rs", tag="v1", entrypoint=LOOP)
            # ECR's own URI form: the test server's port changes with the restart.
            image = "000000000000.dkr.ecr.us-east-1.amazonaws.com/rs:v1"
            defs = [{"name": "app", "image": image, "memory": 32, "stopTimeout": 2}]
            td1 = ecs.register_task_definition(family="rs", containerDefinitions=defs)
            ecs.create_service(serviceName="rs", taskDefinition="rs:1", desiredCount=2)

            def described():
                return ecs.describe_services(services=["rs"])["services"][0]

            def wait(check, what):
                deadline = time.time() + WAIT
                while not check(described()):
                    if time.time() > deadline:
                        self.fail("not %s: %s" % (what, described()))
                    time.sleep(0.2)

            wait(lambda s: s["runningCount"] == 2, "2 running")
            td2 = ecs.register_task_definition(family="rs", containerDefinitions=defs)
            new = ecs.update_service(service="rs", taskDefinition="rs:2")["service"]
            primary = new["deployments"][0]["id"]
            wait(lambda s: s["runningCount"] == 4, "4 running mid-rollout")
            self.assertEqual([d["rolloutState"] for d in described()["deployments"]],
                             ["IN_PROGRESS", "IN_PROGRESS"])
            push_image(n, "rs", tag="v1", entrypoint=LOOP, env={"NEW": "1"})  # re-push the tag
            n.args = ["--ecs-task-healthy-seconds", "1"]
            n.restart()
            ecs = n.client("ecs")
            wait(lambda s: len(s["deployments"]) == 1 and s["runningCount"] == 2
                 and s["deployments"][0]["rolloutState"] == "COMPLETED", "back after restart")
            s = described()
            self.assertEqual(s["deployments"][0]["id"], primary)
            self.assertEqual(s["taskDefinition"], td2["taskDefinition"]["taskDefinitionArn"])
            arns = ecs.list_tasks(serviceName="rs")["taskArns"]
            tasks = ecs.describe_tasks(tasks=arns)["tasks"]
            self.assertEqual(len(tasks), 2)
            for t in tasks:
                self.assertEqual(t["startedBy"], primary)
                self.assertEqual(t["containers"][0]["imageDigest"], a)  # still the pinned one
            stopped = ecs.describe_tasks(tasks=ecs.list_tasks(
                serviceName="rs", desiredStatus="STOPPED")["taskArns"])["tasks"]
            self.assertEqual(len(stopped), 4)  # those the restart stopped
            self.assertIn(td1["taskDefinition"]["taskDefinitionArn"],
                          {t["taskDefinitionArn"] for t in stopped})
            ecs.delete_service(service="rs", force=True)


if __name__ == "__main__":
    unittest.main()
