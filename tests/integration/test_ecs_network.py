"""ECS task networking (issue 19 item 5) with boto3 and the AWS CLI on busybox-static images:
- awsvpc tasks get an ENI in DescribeTasks (subnet, eni id, MAC, private DNS name and address,
  ATTACHED then DELETED) and reach each other by address over the account's VPC bridge (busybox
  httpd in one, wget in the other); bridge tasks join the same VPC without an ENI; none has
  only a loopback; another account's task reaches nothing of this one's;
- published ports reached on the host's 127.0.0.1 with a plain socket and curl (awsvpc: the
  containerPort; bridge: a free port), a taken hostPort and a udp mapping refused;
- from inside a task (busybox wget): task metadata v4 (container, task, stats, task stats),
  the task role's credentials (then used from the test against nimbus: they act in the task's
  account), none without a role, and a presigned STS call to AWS_ENDPOINT_URL that nimbus
  answers in the task's account; host-mode tasks' metadata on a loopback port;
- kill -9 of nimbus under a running task, AWS's answers to bad network input, --ecs-outbound;
- the host's links and named namespaces are the same after the tests as before.

Container output goes to nimbus's stderr (--ecs-echo-container-output 1), where the test reads
it. Waits are generous: the machine may be loaded."""
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import boto3

from harness import NIMBUS_BIN, EcsTaskHelpers, Nimbus
from images import Entry, have_busybox, push_image

WAIT = 90  # seconds: a loaded 2-core machine
SUBNET = {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d"], "securityGroups": ["sg-1"]}}


def host_network():
    """The host's links (names) and named namespaces."""
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    names = set(l.split(":")[1].strip().split("@")[0] for l in links.splitlines() if l)
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return names, set(netns.split())


def assert_host_network_unchanged(test, before):
    """Nothing of nimbus's in the host's network namespace: none of the links it makes (vpc0,
    veth<N>, eth0 and tap0 live only in namespaces it made) and no named namespace. Other
    processes of the machine may add their own meanwhile (other engineers' tests): only what
    nimbus could have made counts."""
    links, netns = host_network()
    added = links - before[0]
    ours = [l for l in added if l.startswith(("vpc", "veth", "tap"))]
    test.assertEqual(ours, [], "links added to the host: %s" % sorted(added))
    test.assertEqual(netns - before[1], set(), "named namespaces added to the host")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, timeout=WAIT):
    """GET / on 127.0.0.1:`port` with a plain socket, retried until the task's server answers."""
    deadline = time.time() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
                if data:
                    return data.decode(errors="replace")
        except OSError:
            pass
        if time.time() > deadline:
            raise AssertionError("nothing answered on 127.0.0.1:%d" % port)
        time.sleep(0.1)


@unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
class EcsNetwork(EcsTaskHelpers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host_before = host_network()
        cls.n = Nimbus("--ecs-echo-container-output", "1").start()
        cls.ecs = cls.n.client("ecs")
        cls.uri, _ = push_image(cls.n, "net")
        cls.image = cls.uri + ":latest"
        cls.other_uri, cls.other_digest = push_image(cls.n, "net", account="111111111111")
        cls.families = 0

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def test_zz_host_network_unchanged(self):
        # Runs last (unittest sorts by name): every task's network is gone by now.
        for arn in self.ecs.list_tasks(desiredStatus="RUNNING")["taskArns"]:
            self.ecs.stop_task(task=arn)
        deadline = time.time() + WAIT
        while self.ecs.list_tasks(desiredStatus="RUNNING")["taskArns"] and time.time() < deadline:
            time.sleep(0.2)
        assert_host_network_unchanged(self, self.host_before)

    # -- helpers ----------------------------------------------------------------------------
    def register(self, *containers, **extra):
        EcsNetwork.families += 1
        family = "net%d" % EcsNetwork.families
        self.ecs.register_task_definition(family=family, containerDefinitions=list(containers),
                                          **extra)
        return family

    def container(self, name="app", script="sleep 600", **extra):
        c = {"name": name, "image": self.image, "memory": 32, "stopTimeout": 2,
             "entryPoint": ["/bin/sh", "-c", script]}
        c.update(extra)
        return c


    def output(self, arn, expect, name="app", timeout=WAIT):
        return self.n.container_output(arn, name, expect, timeout)

    def stop(self, arn):
        self.ecs.stop_task(task=arn)
        return self.wait_status(arn, "STOPPED")

    # -- tests ------------------------------------------------------------------------------
    def test_awsvpc_eni_and_tasks_talking_over_the_vpc(self):
        server = self.register(
            self.container(script="mkdir -p /www && echo hello-from-server > /www/index.html && "
                                  "exec httpd -f -p 8080 -h /www",
                           portMappings=[{"containerPort": 8080}]),
            networkMode="awsvpc")
        server_arn = self.run_task(server, networkConfiguration=SUBNET)
        task = self.wait_status(server_arn, "RUNNING")
        self.assertEqual(len(task["attachments"]), 1, task)
        eni = task["attachments"][0]
        self.assertEqual(eni["type"], "ElasticNetworkInterface")
        self.assertEqual(eni["status"], "ATTACHED")
        details = {d["name"]: d["value"] for d in eni["details"]}
        self.assertEqual(details["subnetId"], "subnet-0a1b2c3d")
        self.assertRegex(details["networkInterfaceId"], r"^eni-[0-9a-f]{17}$")
        self.assertRegex(details["macAddress"], r"^0a(:[0-9a-f]{2}){5}$")
        address = details["privateIPv4Address"]
        self.assertIn(ipaddress.ip_address(address), ipaddress.ip_network("172.31.0.0/20"))
        self.assertEqual(details["privateDnsName"],
                         "ip-%s.ec2.internal" % address.replace(".", "-"))
        container = task["containers"][0]
        self.assertEqual(container["networkInterfaces"],
                         [{"attachmentId": eni["id"], "privateIpv4Address": address}])

        # A second awsvpc task and a bridge task of the same account reach it by address.
        client = self.register(
            self.container(script="for i in $(seq 100); do wget -q -O - http://%s:8080/ && "
                                  "break; sleep 0.2; done; ip -o -4 addr show eth0" % address),
            networkMode="awsvpc")
        bridge = self.register(
            self.container(script="for i in $(seq 100); do wget -q -O - http://%s:8080/ && "
                                  "break; sleep 0.2; done" % address),
            networkMode="bridge")
        client_arn = self.run_task(client, networkConfiguration=SUBNET)
        bridge_arn = self.run_task(bridge)
        client_task = self.wait_status(client_arn, "STOPPED")
        bridge_task = self.wait_status(bridge_arn, "STOPPED")
        self.assertEqual(client_task["containers"][0]["exitCode"], 0, client_task)
        self.assertIn("hello-from-server", self.output(client_arn, "hello-from-server"))
        self.assertIn("hello-from-server", self.output(bridge_arn, "hello-from-server"))
        other = {d["name"]: d["value"] for d in client_task["attachments"][0]["details"]}
        self.assertNotEqual(other["privateIPv4Address"], address)
        self.assertTrue(any(other["privateIPv4Address"] + "/20" in l
                            for l in self.output(client_arn, "eth0")))
        self.assertEqual(client_task["attachments"][0]["status"], "DELETED")
        self.assertEqual(bridge_task["attachments"], [])
        self.assertEqual(bridge_task["containers"][0]["networkInterfaces"], [])

        stopped = self.stop(server_arn)
        self.assertEqual(stopped["attachments"][0]["status"], "DELETED")

    def test_other_accounts_and_none_reach_nothing(self):
        server = self.register(
            self.container(script="exec httpd -f -p 8080 -h /"), networkMode="awsvpc")
        server_arn = self.run_task(server, networkConfiguration=SUBNET)
        task = self.wait_status(server_arn, "RUNNING")
        address = {d["name"]: d["value"]
                   for d in task["attachments"][0]["details"]}["privateIPv4Address"]
        probe = "wget -q -T 2 -O /dev/null http://%s:8080/ && echo reached || echo unreached; " \
                "echo links:$(ip -o link | wc -l)" % address
        none = self.register(self.container(script=probe), networkMode="none")
        none_arn = self.run_task(none)
        self.wait_status(none_arn, "STOPPED")
        self.assertIn("unreached", self.output(none_arn, "reached"))
        self.assertIn("links:1", self.output(none_arn, "links:"))  # lo only
        # Another account's VPC is another namespace: its task gets an address of its own
        # subnet and does not reach this account's.
        other = self.n.client("ecs", access_key="111111111111")
        other.register_task_definition(
            family="probe", networkMode="awsvpc",
            containerDefinitions=[self.container(script=probe, image=self.other_uri + ":latest")])
        other_arn = other.run_task(taskDefinition="probe",
                                   networkConfiguration=SUBNET)["tasks"][0]["taskArn"]
        self.n.wait_task_status(other, other_arn, "STOPPED")
        self.assertIn("unreached", self.output(other_arn, "reached"))
        self.stop(server_arn)

    def serve_script(self, port, text):
        return ("mkdir -p /www && echo %s > /www/index.html && exec httpd -f -p %d -h /www"
                % (text, port))

    def test_published_ports_on_loopback(self):
        # awsvpc: hostPort is the containerPort, on the host's 127.0.0.1.
        port = free_port()
        vpc = self.register(
            self.container(script=self.serve_script(port, "vpc-port"),
                           portMappings=[{"containerPort": port}]),
            networkMode="awsvpc")
        vpc_arn = self.run_task(vpc, networkConfiguration=SUBNET)
        task = self.wait_status(vpc_arn, "RUNNING")
        self.assertEqual(task["containers"][0]["networkBindings"],
                         [{"bindIP": "127.0.0.1", "containerPort": port, "hostPort": port,
                           "protocol": "tcp"}])
        self.assertIn("vpc-port", http_get(port))
        curl = subprocess.run(["curl", "-s", "--max-time", "30", "http://127.0.0.1:%d/" % port],
                              capture_output=True, text=True)
        self.assertEqual(curl.stdout.strip(), "vpc-port")
        # bridge without a hostPort: a free one, shown in networkBindings.
        bridge = self.register(
            self.container(script=self.serve_script(80, "bridge-port"),
                           portMappings=[{"containerPort": 80}]),
            networkMode="bridge")
        bridge_arn = self.run_task(bridge)
        binding = self.wait_status(bridge_arn, "RUNNING")["containers"][0]["networkBindings"][0]
        self.assertEqual(binding["containerPort"], 80)
        self.assertNotEqual(binding["hostPort"], 0)
        self.assertIn("bridge-port", http_get(binding["hostPort"]))
        # A hostPort taken on the host fails the task as Docker's daemon says.
        with socket.socket() as held:
            held.bind(("127.0.0.1", 0))
            held.listen()
            busy = held.getsockname()[1]
            clash = self.register(
                self.container(portMappings=[{"containerPort": 80, "hostPort": busy}]),
                networkMode="bridge")
            failed = self.wait_status(self.run_task(clash), "STOPPED")
        self.assertEqual(failed["stopCode"], "TaskFailedToStart")
        self.assertIn("Bind for 127.0.0.1:%d failed: port is already allocated" % busy,
                      failed["stoppedReason"])
        self.assertTrue(failed["stoppedReason"].startswith("CannotStartContainerError: "))
        # UDP is not forwarded: refused clearly.
        udp = self.register(
            self.container(portMappings=[{"containerPort": 53, "protocol": "udp"}]),
            networkMode="bridge")
        refused = self.wait_status(self.run_task(udp), "STOPPED")
        self.assertIn("nimbus publishes only tcp ports", refused["stoppedReason"])
        # Once the task stops, its listener is gone.
        self.stop(vpc_arn)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
        self.stop(bridge_arn)

    def marked(self, arn, marker, name="app"):
        """What a container printed after `marker` on one line: JSON, else the text."""
        for line in self.output(arn, marker, name=name):
            if line.startswith(marker):
                try:
                    return json.loads(line[len(marker):])
                except ValueError:
                    return line[len(marker):]
        self.fail("no %s line from %s: %s" % (marker, arn, self.output(arn, marker, name=name)))

    def test_boto3_inside_a_task_calls_nimbus_as_the_task_role(self):
        """This test's own Python and boto3, bound read-only into a busybox container: boto3
        finds the endpoint (AWS_ENDPOINT_URL) and the task role's credentials
        (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) by itself, as on AWS."""
        account = "111111111111"
        ecs = self.n.client("ecs", access_key=account)
        python = os.path.realpath(sys.executable)
        site = os.path.dirname(os.path.dirname(os.path.realpath(boto3.__file__)))
        paths = sorted({p for p in ("/usr", sys.prefix, site)
                        if p == "/usr" or not p.startswith("/usr/")})
        paths = [p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths)]
        uri, _ = push_image(self.n, "py", account=account, layers=[
            [Entry(p, kind="dir") for p in paths] +
            [Entry("lib64", kind="symlink", target="usr/lib64"),
             Entry("lib", kind="symlink", target="usr/lib")]])
        code = ("import boto3; me = boto3.client('sts').get_caller_identity(); "
                "print('ME:' + me['Account'] + ' ' + me['Arn']); "
                "boto3.client('logs').create_log_group(logGroupName='/from/task'); print('DONE')")
        ecs.register_task_definition(
            family="py", networkMode="awsvpc", cpu="256", memory="512",
            requiresCompatibilities=["FARGATE"], taskRoleArn="arn:aws:iam::%s:role/app" % account,
            volumes=[{"name": "v%d" % i, "host": {"sourcePath": p}} for i, p in enumerate(paths)],
            containerDefinitions=[{
                "name": "app", "image": uri + ":latest", "memory": 256,
                # The program comes with a mountPoint: found there, as Docker's exec finds it.
                "entryPoint": [python, "-c", code],
                "environment": [{"name": "AWS_REGION", "value": "us-east-1"},
                                {"name": "PYTHONPATH", "value": site}],
                "mountPoints": [{"sourceVolume": "v%d" % i, "containerPath": p, "readOnly": True}
                                for i, p in enumerate(paths)]}])
        arn = ecs.run_task(taskDefinition="py", launchType="FARGATE",
                           networkConfiguration=SUBNET)["tasks"][0]["taskArn"]
        task = self.n.wait_task_status(ecs, arn, "STOPPED")
        out = self.n.container_output(arn, expect="DONE", timeout=10)
        self.assertEqual(task["containers"][0].get("exitCode"), 0, (task, out))
        self.assertIn("ME:%s arn:aws:sts::%s:assumed-role/app/%s" % (account, account,
                                                                    arn.rsplit("/", 1)[1]), out)
        groups = self.n.client("logs", access_key=account).describe_log_groups()["logGroups"]
        self.assertIn("/from/task", [g["logGroupName"] for g in groups])

    def test_metadata_credentials_and_api_from_inside_a_task(self):
        account = "111111111111"
        ecs = self.n.client("ecs", access_key=account)
        uri, digest = self.other_uri, self.other_digest
        # A presigned STS call for the task's account, addressed to AWS_ENDPOINT_URL as a task
        # sees it, signed with the credentials the task is given (access key = the account).

        presign = boto3.client("sts", endpoint_url="http://169.254.170.2:4566",
                               region_name="us-east-1", aws_access_key_id=account,
                               aws_secret_access_key="nimbus", aws_session_token="nimbus")
        url = presign.generate_presigned_url("get_caller_identity", ExpiresIn=900)
        script = ('echo "META:$(wget -q -O - $ECS_CONTAINER_METADATA_URI_V4)"; '
                  'echo "TASK:$(wget -q -O - $ECS_CONTAINER_METADATA_URI_V4/task)"; '
                  'echo "CREDS:$(wget -q -O - http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)"; '
                  'wget -q -O - http://169.254.170.2/v2/credentials/not-mine || echo "OTHER:{}"; '
                  'echo "STATS:$(wget -q -O - $ECS_CONTAINER_METADATA_URI_V4/stats)"; '
                  'echo "TSTATS:$(wget -q -O - $ECS_CONTAINER_METADATA_URI_V4/task/stats)"; '
                  'echo "ENV:$AWS_ENDPOINT_URL"; '
                  'wget -q -O /tmp/api "%s"; '
                  'echo "API:$(sed -n "s/.*<Account>\\([0-9]*\\)<.*/\\1/p" /tmp/api)"; '
                  'exec sleep 600'
                  % url)
        ecs.register_task_definition(
            family="meta", networkMode="awsvpc", cpu="256", memory="512",
            requiresCompatibilities=["FARGATE"],
            taskRoleArn="arn:aws:iam::%s:role/app" % account,
            containerDefinitions=[dict(self.container(script=script, image=uri + ":latest"),
                                       portMappings=[{"containerPort": 8080}])])
        arn = ecs.run_task(taskDefinition="meta", launchType="FARGATE",
                           networkConfiguration=SUBNET)["tasks"][0]["taskArn"]
        task = self.n.wait_task_status(ecs, arn, "RUNNING")
        self.output(arn, "API:")  # the script's last line: it now sleeps, the task runs on
        address = {d["name"]: d["value"]
                   for d in task["attachments"][0]["details"]}["privateIPv4Address"]
        meta = self.marked(arn, "META:")
        self.assertEqual(meta["Name"], "app")
        self.assertEqual(meta["DockerId"], task["containers"][0]["runtimeId"])
        self.assertEqual(meta["ImageID"], digest)
        self.assertEqual(meta["KnownStatus"], "RUNNING")
        self.assertEqual(meta["ContainerARN"], task["containers"][0]["containerArn"])
        self.assertEqual(meta["Labels"]["com.amazonaws.ecs.task-arn"], arn)
        self.assertEqual(meta["Labels"]["com.amazonaws.ecs.task-definition-family"], "meta")
        self.assertEqual(meta["Networks"][0]["NetworkMode"], "awsvpc")
        self.assertEqual(meta["Networks"][0]["IPv4Addresses"], [address])
        self.assertEqual(meta["Networks"][0]["IPv4SubnetCIDRBlock"], "172.31.0.0/20")
        task_meta = self.marked(arn, "TASK:")
        self.assertEqual(task_meta["TaskARN"], arn)
        self.assertEqual(task_meta["Family"], "meta")
        self.assertEqual(task_meta["Revision"], "1")
        self.assertEqual(task_meta["LaunchType"], "FARGATE")
        self.assertEqual(task_meta["Limits"], {"CPU": 0.25, "Memory": 512})
        self.assertEqual([c["Name"] for c in task_meta["Containers"]], ["app"])
        stats = self.marked(arn, "STATS:")  # Docker's stats shape, from the container's cgroups
        self.assertEqual(stats["id"], meta["DockerId"])
        self.assertEqual(stats["name"], "app")
        self.assertEqual(stats["memory_stats"]["limit"], 32 * 1024 * 1024)
        self.assertGreater(stats["memory_stats"]["usage"], 0)
        self.assertGreaterEqual(stats["pids_stats"]["current"], 1)
        self.assertIn("total_usage", stats["cpu_stats"]["cpu_usage"])
        self.assertGreater(stats["networks"]["eth0"]["rx_bytes"], 0)  # the wgets' replies
        self.assertEqual(list(self.marked(arn, "TSTATS:")), [meta["DockerId"]])
        creds = self.marked(arn, "CREDS:")
        self.assertEqual(creds["RoleArn"], "arn:aws:iam::%s:role/app" % account)
        # Issued by nimbus for the task's account (AWS's key id layout carries the account).
        self.assertTrue(creds["AccessKeyId"].startswith("LSIA"), creds)
        sts = boto3.client(
            "sts", endpoint_url=self.n.endpoint, region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["Token"])
        identity = sts.get_caller_identity()  # the task role's session, named after the task
        self.assertEqual(identity["Account"], account)
        self.assertEqual(identity["Arn"], "arn:aws:sts::%s:assumed-role/app/%s"
                         % (account, arn.rsplit("/", 1)[1]))
        ecs.stop_task(task=arn)
        self.n.wait_task_status(ecs, arn, "STOPPED")
        # Revoked with the task: open mode now sees only a key of that account (strict mode
        # would refuse it).
        self.assertEqual(sts.get_caller_identity()["Arn"], "arn:aws:iam::%s:root" % account)
        for key in ("SecretAccessKey", "Token", "Expiration"):
            self.assertIn(key, creds)
        self.assertEqual(self.marked(arn, "OTHER:"), {})  # another id: 404
        self.assertEqual(self.marked(arn, "ENV:"), "http://169.254.170.2:4566")
        # The presigned call reached nimbus's STS and acted in the task's account.
        self.assertEqual(str(self.marked(arn, "API:")), account)

    def test_host_mode_metadata_on_loopback(self):
        script = 'echo "HOST:$(wget -q -O - $ECS_CONTAINER_METADATA_URI_V4/task)"'
        family = self.register(self.container(script=script), networkMode="host")
        arn = self.run_task(family)
        self.wait_status(arn, "STOPPED")
        task_meta = self.marked(arn, "HOST:")
        self.assertEqual(task_meta["TaskARN"], arn)
        self.assertEqual(task_meta["Containers"][0]["Networks"], [{"NetworkMode": "host"}])

    def test_task_without_a_role_gets_no_credentials(self):
        script = ('echo "VARS:${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-none}"; '
                  'wget -q -O - http://169.254.170.2/v2/credentials/x || echo "NOCREDS:1"')
        family = self.register(self.container(script=script), networkMode="bridge")
        arn = self.run_task(family)
        self.wait_status(arn, "STOPPED")
        self.assertEqual(self.marked(arn, "VARS:"), "none")
        self.assertEqual(self.marked(arn, "NOCREDS:"), 1)

    def test_kill_9_leaves_no_network_behind(self):
        with Nimbus() as n:
            ecs = n.client("ecs")
            uri, _ = push_image(n, "net")
            port = free_port()

            def register(uri):
                n.client("ecs").register_task_definition(
                    family="held", networkMode="awsvpc",
                    containerDefinitions=[dict(self.container(script="sleep 600"),
                                               image=uri + ":latest",
                                               portMappings=[{"containerPort": port}])])
            register(uri)
            arn = ecs.run_task(taskDefinition="held",
                               networkConfiguration=SUBNET)["tasks"][0]["taskArn"]
            ecs.get_waiter("tasks_running").wait(tasks=[arn],
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": WAIT})
            before = ecs.describe_tasks(tasks=[arn])["tasks"][0]
            address = {d["name"]: d["value"]
                       for d in before["attachments"][0]["details"]}["privateIPv4Address"]
            socket.create_connection(("127.0.0.1", port), timeout=10).close()  # published
            n.restart(signal.SIGKILL)
            # The kernel took the namespaces, links and listeners with the process (and with
            # the containers, which die with it: a moment later).
            deadline = time.time() + WAIT
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=10).close()
                except ConnectionRefusedError:
                    break
                self.assertLess(time.time(), deadline, "port %d still open" % port)
                time.sleep(0.1)
            assert_host_network_unchanged(self, self.host_before)
            ecs = n.client("ecs")
            task = ecs.describe_tasks(tasks=[arn])["tasks"][0]
            self.assertEqual(task["lastStatus"], "STOPPED")
            self.assertEqual(task["attachments"][0]["status"], "DELETED")
            # The address cursor survived: the next task gets a new address, not the old one.
            # (The registry's port changed with the restart: the image URI too.)
            uri = n.client("ecr").describe_repositories(
                repositoryNames=["net"])["repositories"][0]["repositoryUri"]
            register(uri)
            again = ecs.run_task(taskDefinition="held",
                                 networkConfiguration=SUBNET)["tasks"][0]["taskArn"]
            ecs.get_waiter("tasks_running").wait(tasks=[again],
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": WAIT})
            now = ecs.describe_tasks(tasks=[again])["tasks"][0]
            self.assertNotEqual({d["name"]: d["value"] for d in now["attachments"][0]["details"]}
                                ["privateIPv4Address"], address)
            socket.create_connection(("127.0.0.1", port), timeout=10).close()  # free again
            ecs.stop_task(task=again)

    def test_bad_network_input(self):
        vpc = self.register(self.container(), networkMode="awsvpc")
        plain = self.register(self.container(), networkMode="bridge")
        cases = [
            (dict(taskDefinition=vpc),
             "Network Configuration must be provided when networkMode 'awsvpc' is specified."),
            (dict(taskDefinition=vpc,
                  networkConfiguration={"awsvpcConfiguration": {"subnets": []}}),
             "subnets can not be empty."),
            (dict(taskDefinition=plain, networkConfiguration=SUBNET),
             "Network Configuration is not valid for the given networkMode of this task "
             "definition."),
        ]
        for request, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as e:
                    self.ecs.run_task(**request)
                self.assertEqual(e.exception.response["Error"]["Message"], message)
        # The same refusal through the AWS CLI.
        out = self.n.aws("ecs", "run-task", "--task-definition", vpc, check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn(b"InvalidParameterException", out.stderr)


class EcsOutboundFlag(unittest.TestCase):
    def test_a_bad_value_stops_the_start_naming_the_flag(self):
        data = tempfile.mkdtemp(prefix="nimbus-test-")
        try:
            out = subprocess.run([NIMBUS_BIN, "serve", "--port", "0", "--data-dir", data,
                                  "--ecs-outbound", "maybe"],
                                 capture_output=True, text=True, timeout=60)
        finally:
            shutil.rmtree(data, ignore_errors=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("--ecs-outbound must be on or off, not 'maybe'", out.stderr)

    @unittest.skipUnless(have_busybox() and shutil.which("pasta"),
                         "needs busybox-static, skopeo and pasta (Debian package passt)")
    def test_on_gives_tasks_a_route_out_through_pasta(self):
        # Only the route is looked at: tests send nothing beyond loopback.
        with Nimbus("--ecs-echo-container-output", "1", "--ecs-outbound", "on") as n:
            ecs = n.client("ecs")
            uri, _ = push_image(n, "net")
            ecs.register_task_definition(
                family="out", networkMode="bridge", containerDefinitions=[{
                    "name": "app", "image": uri + ":latest", "memory": 32,
                    "entryPoint": ["sh", "-c", "echo ROUTE:$(ip route | grep -c 'default dev tap0\\|default via .* dev tap0')"]}])
            arn = ecs.run_task(taskDefinition="out")["tasks"][0]["taskArn"]
            ecs.get_waiter("tasks_stopped").wait(tasks=[arn],
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": WAIT})
            task = ecs.describe_tasks(tasks=[arn])["tasks"][0]
            self.assertEqual(task["containers"][0].get("exitCode"), 0, task)
            prefix = "ecs %s/app: ROUTE:" % arn.rsplit("/", 1)[1]
            deadline = time.time() + WAIT
            while not any(l.startswith(prefix) for l in n.stderr_lines):
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            self.assertIn(prefix + "1", list(n.stderr_lines))


if __name__ == "__main__":
    unittest.main()
