"""Account isolation in strict mode (--credentials, two accounts): every reference one resource
makes to another (layers, function ARNs in any operation, destinations, ECR registry ids, log
group ARNs) resolves within the caller's account, as AWS resolves them when no resource policy
grants another account. Driven with boto3 and both CLIs."""
import json
import time
import unittest

from botocore.exceptions import ClientError

from harness import Nimbus, log_events
from lambda_util import ROLE, invoke, make_zip
from test_ecr_support import http, oci_error, push_image

CREDS = """AKIAALICE00000000001 alice-secret 111111111111
AKIABOB0000000000002 bob-secret   222222222222
"""
ALICE = dict(access_key="AKIAALICE00000000001", secret_key="alice-secret")
BOB = dict(access_key="AKIABOB0000000000002", secret_key="bob-secret")
PY = "def handler(event, context):\n    return {'ok': True}\n"


class AccountIsolation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().with_credentials(CREDS).start()
        cls.alice = cls.n.client("lambda", **ALICE)
        cls.bob = cls.n.client("lambda", **BOB)
        code = make_zip({"app.py": PY})
        for lam in (cls.alice, cls.bob):
            lam.create_function(FunctionName="shared-name", Runtime="python3.12", Role=ROLE,
                                Handler="app.handler", Code={"ZipFile": code})
            lam.get_waiter("function_active_v2").wait(FunctionName="shared-name")

    @classmethod
    def tearDownClass(cls):
        cls.n.__exit__()  # stops it and removes its data dir (the credentials file with it)

    def error(self, fn, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(**kw)
        e = cm.exception.response
        return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"]["Message"]

    def test_another_accounts_layer_is_refused_without_a_permission(self):
        layer = self.alice.publish_layer_version(
            LayerName="alice-lib", Content={"ZipFile": make_zip({"python/alib.py": "X = 1\n"})})
        arn = layer["LayerVersionArn"]
        self.assertIn(":111111111111:layer:alice-lib:1", arn)
        denied = (403, "AccessDeniedException",
                  "User: arn:aws:iam::222222222222:root is not authorized to perform: "
                  "lambda:GetLayerVersion on resource: " + arn + " because no resource-based "
                  "policy allows the lambda:GetLayerVersion action")
        code = make_zip({"app.py": PY})
        self.assertEqual(self.error(self.bob.create_function, FunctionName="with-layer",
                                    Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                    Code={"ZipFile": code}, Layers=[arn]), denied)
        self.assertEqual(self.error(self.bob.get_function, FunctionName="with-layer")[0], 404)
        self.assertEqual(self.error(self.bob.update_function_configuration,
                                    FunctionName="shared-name", Layers=[arn]), denied)
        self.assertNotIn("Layers", self.bob.get_function_configuration(FunctionName="shared-name"))
        self.assertEqual(self.error(self.bob.get_layer_version_by_arn, Arn=arn)[:2],
                         (404, "ResourceNotFoundException"))
        # Both CLIs show the refusal.
        for v2 in (False, True):
            r = self.n.aws("lambda", "update-function-configuration", "--function-name",
                           "shared-name", "--layers", arn, v2=v2, check=False, **BOB)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"(AccessDeniedException)", r.stderr)
        # Its owner and the caller's own layers are fine.
        mine = self.bob.publish_layer_version(
            LayerName="bob-lib", Content={"ZipFile": make_zip({"python/blib.py": "X = 2\n"})})
        out = self.bob.update_function_configuration(FunctionName="shared-name",
                                                     Layers=[mine["LayerVersionArn"]])
        self.assertEqual([l["Arn"] for l in out["Layers"]], [mine["LayerVersionArn"]])
        self.bob.get_waiter("function_updated_v2").wait(FunctionName="shared-name")
        self.bob.update_function_configuration(FunctionName="shared-name", Layers=[])
        self.bob.get_waiter("function_updated_v2").wait(FunctionName="shared-name")
        out = self.alice.update_function_configuration(FunctionName="shared-name", Layers=[arn])
        self.assertEqual([l["Arn"] for l in out["Layers"]], [arn])
        self.alice.get_waiter("function_updated_v2").wait(FunctionName="shared-name")
        self.alice.update_function_configuration(FunctionName="shared-name", Layers=[])
        self.alice.get_waiter("function_updated_v2").wait(FunctionName="shared-name")

    def test_a_layer_version_permission_lets_another_account_use_it(self):
        layer = self.alice.publish_layer_version(
            LayerName="granted-lib",
            Content={"ZipFile": make_zip({"python/glib.py": "SECRET = 'from alice'\n"})})
        arn, version = layer["LayerVersionArn"], layer["Version"]
        self.assertEqual(self.error(self.alice.get_layer_version_policy, LayerName="granted-lib",
                                    VersionNumber=version),
                         (404, "ResourceNotFoundException",
                          "No policy is associated with the given resource."))
        out = self.alice.add_layer_version_permission(
            LayerName="granted-lib", VersionNumber=version, StatementId="bob",
            Action="lambda:GetLayerVersion", Principal="222222222222")
        statement = json.loads(out["Statement"])
        self.assertEqual(statement["Principal"], {"AWS": "arn:aws:iam::222222222222:root"})
        self.assertEqual(statement["Resource"], arn)
        self.assertEqual(self.error(self.alice.add_layer_version_permission,
                                    LayerName="granted-lib", VersionNumber=version,
                                    StatementId="bob", Action="lambda:GetLayerVersion",
                                    Principal="*")[:2], (409, "ResourceConflictException"))
        policy = json.loads(self.alice.get_layer_version_policy(
            LayerName="granted-lib", VersionNumber=version)["Policy"])
        self.assertEqual([st["Sid"] for st in policy["Statement"]], ["bob"])
        # Bob may now read it and build a function on it, which imports the layer.
        self.assertEqual(self.bob.get_layer_version_by_arn(Arn=arn)["LayerVersionArn"], arn)
        code = make_zip({"app.py": "import glib\ndef handler(e, c):\n    return glib.SECRET\n"})
        self.bob.create_function(FunctionName="granted-user", Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": code}, Layers=[arn])
        self.bob.get_waiter("function_active_v2").wait(FunctionName="granted-user")
        self.assertEqual(json.loads(invoke(self.bob, "granted-user", {})["Body"]), "from alice")
        # The grant is for that version only; removing it refuses Bob again.
        other_version = self.error(self.bob.update_function_configuration,
                                   FunctionName="shared-name", Layers=[arn + "0"])
        self.assertEqual(other_version[:2], (403, "AccessDeniedException"))
        self.alice.remove_layer_version_permission(LayerName="granted-lib",
                                                   VersionNumber=version, StatementId="bob")
        self.assertEqual(self.error(self.bob.get_layer_version_by_arn, Arn=arn)[0], 404)
        self.assertEqual(self.error(self.bob.update_function_configuration,
                                    FunctionName="granted-user", Layers=[arn])[:2],
                         (403, "AccessDeniedException"))
        # The function made while granted keeps its copy of the layer, as on AWS.
        self.assertEqual(json.loads(invoke(self.bob, "granted-user", {})["Body"]), "from alice")

    def test_another_accounts_function_arn_names_nothing(self):
        arn = self.alice.get_function(FunctionName="shared-name")["Configuration"]["FunctionArn"]
        calls = [
            (self.bob.get_function, dict(FunctionName=arn)),
            (self.bob.invoke, dict(FunctionName=arn)),
            (self.bob.invoke, dict(FunctionName=arn + ":$LATEST", InvocationType="Event")),
            (self.bob.update_function_code, dict(FunctionName=arn,
                                                 ZipFile=make_zip({"app.py": "x"}))),
            (self.bob.publish_version, dict(FunctionName=arn)),
            (self.bob.create_alias, dict(FunctionName=arn, Name="a", FunctionVersion="$LATEST")),
            (self.bob.put_function_event_invoke_config, dict(FunctionName=arn,
                                                             MaximumRetryAttempts=0)),
            (self.bob.put_function_concurrency, dict(FunctionName=arn,
                                                     ReservedConcurrentExecutions=1)),
            (self.bob.tag_resource, dict(Resource=arn, Tags={"k": "v"})),
            (self.bob.delete_function, dict(FunctionName=arn)),
        ]
        for fn, kw in calls:
            status, code, _ = self.error(fn, **kw)
            self.assertEqual((status, code), (404, "ResourceNotFoundException"), fn)
        got = self.alice.get_function(FunctionName="shared-name")
        self.assertEqual(got["Configuration"]["Version"], "$LATEST")
        self.assertNotIn("Tags", got)
        self.assertNotIn("Concurrency", got)

    def test_a_destination_in_another_account_is_never_invoked(self):
        alice_arn = self.alice.get_function(
            FunctionName="shared-name")["Configuration"]["FunctionArn"]
        code = make_zip({"app.py": PY})
        self.bob.create_function(FunctionName="dest-source", Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": code})
        self.bob.get_waiter("function_active_v2").wait(FunctionName="dest-source")
        self.bob.put_function_event_invoke_config(
            FunctionName="dest-source",
            DestinationConfig={"OnSuccess": {"Destination": alice_arn}})
        alice_logs = self.n.client("logs", **ALICE)
        before = len(log_events(alice_logs, "/aws/lambda/shared-name", filterPattern="START"))
        self.assertEqual(invoke(self.bob, "dest-source", {"x": 1},
                                InvocationType="Event")["StatusCode"], 202)
        deadline = time.time() + 60
        while time.time() < deadline and not any(
                "destination " + alice_arn in line and "dropped" in line
                for line in list(self.n.stderr_lines)):
            time.sleep(0.2)
        self.assertTrue(any("destination " + alice_arn in line and "dropped" in line
                            for line in self.n.stderr_lines), self.n.stderr_lines[-10:])
        self.assertEqual(
            len(log_events(alice_logs, "/aws/lambda/shared-name", filterPattern="START")), before)

    def test_ecr_registry_ids_of_another_account_are_refused(self):
        alice_ecr, bob_ecr = self.n.client("ecr", **ALICE), self.n.client("ecr", **BOB)
        alice_ecr.create_repository(repositoryName="same-repo")
        bob_ecr.create_repository(repositoryName="same-repo")
        for fn, kw in [(bob_ecr.describe_repositories, dict(registryId="111111111111")),
                       (bob_ecr.describe_repositories, dict(registryId="111111111111",
                                                            repositoryNames=["same-repo"])),
                       (bob_ecr.list_images, dict(registryId="111111111111",
                                                  repositoryName="same-repo")),
                       (bob_ecr.delete_repository, dict(registryId="111111111111",
                                                        repositoryName="same-repo")),
                       (bob_ecr.create_repository, dict(registryId="111111111111",
                                                        repositoryName="new-one"))]:
            status, code, message = self.error(fn, **kw)
            self.assertEqual((status, code), (403, "AccessDeniedException"), kw)
            self.assertIn("on resource: arn:aws:ecr:us-east-1:111111111111:repository/", message)
        self.assertEqual(
            [r["registryId"] for r in alice_ecr.describe_repositories()["repositories"]],
            ["111111111111"])
        # The registry's own account id is fine.
        out = bob_ecr.describe_repositories(registryId="222222222222")
        self.assertEqual([r["repositoryName"] for r in out["repositories"]], ["same-repo"])
        # /v2/: a token is its account's; another account's image is unknown to it.
        def token(ecr):
            data = ecr.get_authorization_token()["authorizationData"][0]
            return {"Authorization": "Basic " + data["authorizationToken"]}
        digest, _ = push_image_as(self.n, token(alice_ecr), "same-repo", "v1", "alice")
        status, _, body = http(self.n, "GET", "/v2/same-repo/manifests/" + digest,
                               headers=token(bob_ecr))
        self.assertEqual((status, oci_error(body)), (404, "MANIFEST_UNKNOWN"))
        status, _, _ = http(self.n, "GET", "/v2/same-repo/manifests/" + digest,
                            headers=token(alice_ecr))
        self.assertEqual(status, 200)

    def test_log_group_arns_of_another_account_name_nothing(self):
        alice_logs, bob_logs = self.n.client("logs", **ALICE), self.n.client("logs", **BOB)
        for logs, who in ((alice_logs, "alice"), (bob_logs, "bob")):
            logs.create_log_group(logGroupName="same-group")
            logs.create_log_stream(logGroupName="same-group", logStreamName="s")
            logs.put_log_events(logGroupName="same-group", logStreamName="s",
                                logEvents=[{"timestamp": int(time.time() * 1000),
                                            "message": "secret of " + who}])
        alice_arn = "arn:aws:logs:us-east-1:111111111111:log-group:same-group"
        bob_arn = "arn:aws:logs:us-east-1:222222222222:log-group:same-group"
        for fn, kw in [(bob_logs.filter_log_events, dict(logGroupIdentifier=alice_arn)),
                       (bob_logs.get_log_events, dict(logGroupIdentifier=alice_arn,
                                                      logStreamName="s")),
                       (bob_logs.describe_log_streams, dict(logGroupIdentifier=alice_arn)),
                       (bob_logs.tag_resource, dict(resourceArn=alice_arn, tags={"k": "v"})),
                       (bob_logs.list_tags_for_resource, dict(resourceArn=alice_arn))]:
            status, code, message = self.error(fn, **kw)
            self.assertEqual((status, code, message),
                             (400, "ResourceNotFoundException",
                              "The specified log group does not exist."), kw)
        events = bob_logs.filter_log_events(logGroupIdentifier=bob_arn)["events"]
        self.assertEqual([e["message"] for e in events], ["secret of bob"])
        # The same through the CLI.
        r = self.n.aws("logs", "filter-log-events", "--log-group-identifier", alice_arn,
                       check=False, **BOB)
        self.assertIn(b"(ResourceNotFoundException)", r.stderr)
        self.assertNotIn(b"secret of alice", r.stdout)


def push_image_as(n, auth, repo, tag, content):
    """push_image with an Authorization header on every request."""
    import test_ecr_support as support
    original = support.http

    def authed(n_, method, path, body=None, headers=None):
        return original(n_, method, path, body, dict(headers or {}, **auth))
    support.http = authed
    try:
        return push_image(n, repo, tag, content)
    finally:
        support.http = original


if __name__ == "__main__":
    unittest.main()
