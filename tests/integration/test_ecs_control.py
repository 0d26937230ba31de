"""ECS control plane with real clients (boto3, AWS CLI v1 and /usr/bin/aws v2): clusters, task
definition revisions, describe/list/deregister/delete, bad task definitions with AWS's error
codes and messages, state that survives a restart, and 501 for what is not served yet."""
import json
import unittest

from botocore.exceptions import ClientError

from harness import Nimbus

ARN = "arn:aws:ecs:us-east-1:000000000000:"


def container(name="app", **extra):
    c = {"name": name, "image": "busybox", "memory": 128}
    c.update(extra)
    return c


class EcsControlPlane(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.ecs = cls.n.client("ecs")

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def assert_error(self, code, message, fn, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(**kw)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err)
        self.assertEqual(err["Message"], message)

    # -- boto3 ------------------------------------------------------------------------------
    def test_boto3_revisions_describe_list_deregister_delete(self):
        one = self.ecs.register_task_definition(family="web", containerDefinitions=[container()])
        two = self.ecs.register_task_definition(
            family="web", containerDefinitions=[container(command=["echo", "hi"])],
            tags=[{"key": "team", "value": "a"}])
        self.assertEqual(one["taskDefinition"]["taskDefinitionArn"], ARN + "task-definition/web:1")
        self.assertEqual(two["taskDefinition"]["revision"], 2)
        self.assertEqual(two["tags"], [{"key": "team", "value": "a"}])
        td = self.ecs.describe_task_definition(taskDefinition="web", include=["TAGS"])
        self.assertEqual(td["taskDefinition"]["revision"], 2)
        self.assertEqual(td["taskDefinition"]["containerDefinitions"][0]["command"], ["echo", "hi"])
        self.assertTrue(td["taskDefinition"]["containerDefinitions"][0]["essential"])
        self.assertEqual(td["tags"], [{"key": "team", "value": "a"}])
        self.assertEqual(
            self.ecs.describe_task_definition(taskDefinition="web:1")["taskDefinition"]["revision"], 1)
        self.assertEqual(self.ecs.describe_task_definition(
            taskDefinition=ARN + "task-definition/web:1")["taskDefinition"]["revision"], 1)
        arns = self.ecs.list_task_definitions(familyPrefix="web", sort="DESC")["taskDefinitionArns"]
        self.assertEqual(arns, [ARN + "task-definition/web:2", ARN + "task-definition/web:1"])
        pages = self.ecs.get_paginator("list_task_definitions").paginate(
            familyPrefix="web", PaginationConfig={"PageSize": 1})
        self.assertEqual([a for p in pages for a in p["taskDefinitionArns"]], sorted(arns))

        dereg = self.ecs.deregister_task_definition(taskDefinition="web:2")["taskDefinition"]
        self.assertEqual(dereg["status"], "INACTIVE")
        self.assertEqual(
            self.ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]["revision"], 1)
        self.assertEqual(self.ecs.list_task_definitions(familyPrefix="web", status="INACTIVE")[
            "taskDefinitionArns"], [ARN + "task-definition/web:2"])
        deleted = self.ecs.delete_task_definitions(taskDefinitions=["web:2", "web:1"])
        self.assertEqual([t["status"] for t in deleted["taskDefinitions"]], ["DELETE_IN_PROGRESS"])
        self.assertEqual(deleted["failures"][0]["arn"], ARN + "task-definition/web:1")
        self.assertIn("still in ACTIVE status", deleted["failures"][0]["reason"])
        self.assert_error("ClientException", "Unable to describe task definition.",
                          self.ecs.describe_task_definition, taskDefinition="web:2")
        self.assert_error("ClientException", "Unable to describe task definition.",
                          self.ecs.describe_task_definition, taskDefinition="nosuch")

    def test_boto3_clusters(self):
        made = self.ecs.create_cluster(clusterName="c1", tags=[{"key": "k", "value": "v"}])
        self.assertEqual(made["cluster"]["clusterArn"], ARN + "cluster/c1")
        self.assertEqual(made["cluster"]["status"], "ACTIVE")
        self.assertEqual(self.ecs.create_cluster(clusterName="c1")["cluster"]["clusterArn"],
                         ARN + "cluster/c1")
        self.assertIn(ARN + "cluster/c1", self.ecs.list_clusters()["clusterArns"])
        out = self.ecs.describe_clusters(clusters=["c1", "missing"], include=["TAGS"])
        self.assertEqual(out["clusters"][0]["tags"], [{"key": "k", "value": "v"}])
        self.assertEqual(out["failures"], [{"arn": ARN + "cluster/missing", "reason": "MISSING"}])
        self.assertEqual(self.ecs.delete_cluster(cluster=ARN + "cluster/c1")["cluster"]["status"],
                         "INACTIVE")
        self.assertNotIn(ARN + "cluster/c1", self.ecs.list_clusters()["clusterArns"])
        self.assert_error("ClusterNotFoundException", "Cluster not found.",
                          self.ecs.delete_cluster, cluster="c1")

    def test_boto3_bad_task_definitions(self):
        fargate = dict(requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
                       memory="512")
        cases = [
            (dict(family="bad name", containerDefinitions=[container()]),
             "Family contains invalid characters."),
            (dict(family="f", containerDefinitions=[]), "Container list cannot be empty."),
            (dict(family="f", containerDefinitions=[container(essential=False)]),
             "Task definition doesn't have any essential container."),
            (dict(family="f", containerDefinitions=[{"name": "app", "image": "busybox"}]),
             "Invalid setting for container 'app'. At least one of 'memory' or "
             "'memoryReservation' must be specified."),
            (dict(family="f", containerDefinitions=[container(memoryReservation=512)]),
             "Invalid 'memory' setting for container 'app'. The value of 'memory' must be "
             "greater than or equal to the value of 'memoryReservation'."),
            (dict(family="f", containerDefinitions=[container()], **dict(fargate, networkMode="bridge")),
             "Fargate only supports network mode \u2018awsvpc\u2019."),
            (dict(family="f", containerDefinitions=[container()], **dict(fargate, memory="4096")),
             "No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the "
             "Amazon ECS documentation for the valid values."),
        ]
        for kw, message in cases:
            with self.subTest(message=message):
                self.assert_error("ClientException", message, self.ecs.register_task_definition, **kw)
        ok = self.ecs.register_task_definition(family="fg", containerDefinitions=[container()],
                                               **dict(fargate, cpu=".25 vCPU", memory="1 GB"))
        self.assertEqual((ok["taskDefinition"]["cpu"], ok["taskDefinition"]["memory"]),
                         ("256", "1024"))
        self.assertEqual(ok["taskDefinition"]["compatibilities"], ["EC2", "FARGATE"])

    def test_boto3_bad_container_references(self):
        hc = {"command": ["CMD-SHELL", "true"]}
        side = dict(essential=False)
        cases = [
            ([container(dependsOn=[{"containerName": "db", "condition": "START"}])],
             "Cannot depend on container + 'db' because it does not exist"),
            ([container(dependsOn=[{"containerName": "init", "condition": "SUCCESS"}]),
              container("init")],
             "A dependency container with SUCCESS or COMPLETE condition cannot be an essential "
             "container"),
            ([container(dependsOn=[{"containerName": "db", "condition": "HEALTHY"}]),
              container("db")],
             "Container 'db' must have a health check for the HEALTHY dependency condition of "
             "container 'app'."),
            ([container(dependsOn=[{"containerName": "b", "condition": "START"}]),
              container("b", dependsOn=[{"containerName": "c", "condition": "START"}], **side),
              container("c", dependsOn=[{"containerName": "b", "condition": "START"}], **side)],
             "Circular container dependency: b -> c -> b."),
            ([container(mountPoints=[{"sourceVolume": "nope", "containerPath": "/x"}])],
             "Invalid 'mountPoints' setting for container 'app'. Unknown volume 'nope'."),
            ([container(volumesFrom=[{"sourceContainer": "ghost"}])],
             "Invalid 'volumesFrom' setting for container 'app'. Unknown source container "
             "'ghost'."),
            ([container(healthCheck={"command": ["curl", "-f", "http://localhost/"]})],
             "Invalid 'healthCheck' setting for container 'app'. 'command' must start with CMD "
             "or CMD-SHELL followed by the command to run."),
            ([container(healthCheck=dict(hc, interval=4))],
             "Invalid 'healthCheck' setting for container 'app'. 'interval' must be between 5 "
             "and 300."),
            ([container(healthCheck=dict(hc, timeout=61))],
             "Invalid 'healthCheck' setting for container 'app'. 'timeout' must be between 2 "
             "and 60."),
            ([container(healthCheck=dict(hc, retries=11))],
             "Invalid 'healthCheck' setting for container 'app'. 'retries' must be between 1 "
             "and 10."),
            ([container(healthCheck=dict(hc, startPeriod=301))],
             "Invalid 'healthCheck' setting for container 'app'. 'startPeriod' must be between "
             "0 and 300."),
            ([container(ulimits=[{"name": "files", "softLimit": 1, "hardLimit": 1}])],
             "Invalid 'ulimits' setting for container 'app'. 'files' is not a valid ulimit "
             "name."),
            ([container(ulimits=[{"name": "nproc", "softLimit": 20, "hardLimit": 10}])],
             "Invalid 'ulimits' setting for container 'app'. The softLimit of ulimit 'nproc' "
             "cannot be greater than its hardLimit."),
        ]
        for defs, message in cases:
            with self.subTest(message=message):
                self.assert_error("ClientException", message, self.ecs.register_task_definition,
                                  family="refs", containerDefinitions=defs)
        # What passes: the health check's defaults are filled in as AWS shows them.
        td = self.ecs.register_task_definition(
            family="refs", containerDefinitions=[
                container(healthCheck=hc, ulimits=[{"name": "nofile", "softLimit": 1024,
                                                     "hardLimit": 4096}],
                          dependsOn=[{"containerName": "db", "condition": "HEALTHY"}]),
                container("db", healthCheck=dict(hc, startPeriod=10), **side)])["taskDefinition"]
        self.assertEqual(td["containerDefinitions"][0]["healthCheck"],
                         {"command": ["CMD-SHELL", "true"], "interval": 30, "timeout": 5,
                          "retries": 3})
        self.assertEqual(td["containerDefinitions"][1]["healthCheck"]["startPeriod"], 10)

    def test_unimplemented_operation_names_itself(self):
        with self.assertRaises(ClientError) as cm:
            self.ecs.list_services_by_namespace(namespace="web")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 501)
        self.assertIn("ListServicesByNamespace", cm.exception.response["Error"]["Message"])

    # -- AWS CLI v1 and v2 ------------------------------------------------------------------
    def test_both_clis(self):
        for v2, family in ((False, "cli-one"), (True, "cli-two")):
            with self.subTest(v2=v2):
                defs = json.dumps([container()])
                out = self.n.aws("ecs", "register-task-definition", "--family", family,
                                 "--container-definitions", defs, v2=v2)
                self.assertEqual(out["taskDefinition"]["revision"], 1)
                out = self.n.aws("ecs", "describe-task-definition", "--task-definition", family,
                                 v2=v2)
                self.assertEqual(out["taskDefinition"]["family"], family)
                fams = self.n.aws("ecs", "list-task-definition-families", "--family-prefix",
                                  "cli-", v2=v2)
                self.assertIn(family, fams["families"])
                self.n.aws("ecs", "create-cluster", "--cluster-name", family, v2=v2)
                out = self.n.aws("ecs", "describe-clusters", "--clusters", family, v2=v2)
                self.assertEqual(out["clusters"][0]["clusterName"], family)
                res = self.n.aws("ecs", "describe-task-definition", "--task-definition",
                                 family + ":9", v2=v2, check=False)
                self.assertNotEqual(res.returncode, 0)
                self.assertIn("ClientException", res.stderr.decode())
                res = self.n.aws("ecs", "register-task-definition", "--family", family,
                                 "--container-definitions",
                                 json.dumps([container(essential=False)]), v2=v2, check=False)
                self.assertIn("doesn't have any essential container", res.stderr.decode())


class EcsRestart(unittest.TestCase):
    def test_state_survives_restart(self):
        with Nimbus() as n:
            ecs = n.client("ecs")
            ecs.create_cluster(clusterName="keep")
            ecs.create_cluster(clusterName="gone")
            ecs.delete_cluster(cluster="gone")
            ecs.register_task_definition(family="keep", containerDefinitions=[container()])
            ecs.register_task_definition(family="keep", containerDefinitions=[container()])
            ecs.deregister_task_definition(taskDefinition="keep:2")
            n.restart(sig=9)
            ecs = n.client("ecs")
            self.assertEqual(ecs.list_clusters()["clusterArns"], [ARN + "cluster/keep"])
            gone = ecs.describe_clusters(clusters=["gone"])["clusters"][0]
            self.assertEqual(gone["status"], "INACTIVE")
            td = ecs.describe_task_definition(taskDefinition="keep:2")["taskDefinition"]
            self.assertEqual(td["status"], "INACTIVE")
            self.assertEqual(ecs.register_task_definition(
                family="keep", containerDefinitions=[container()])["taskDefinition"]["revision"], 3)


if __name__ == "__main__":
    unittest.main()
