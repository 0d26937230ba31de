"""Lambda control plane with real clients: AWS CLI v1 and v2, boto3. Functions, versions,
aliases, layers, concurrency, tags, event-invoke configs, waiters, code download, bad input and
restart persistence (SIGTERM and kill -9)."""
import base64
import hashlib
import io
import json
import os
import signal
import stat
import tempfile
import unittest
import urllib.request
import zipfile

from botocore.exceptions import ClientError

from harness import Nimbus

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def make_zip(files):
    """files: {name: (data, mode)} -> zip bytes with Unix modes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


BOOTSTRAP_ZIP = make_zip({"bootstrap": ("#!/bin/sh\necho hi\n", 0o100755)})


def lying_zip():
    """A zip whose central directory says its 100 KB entry (~100 bytes deflated) is 200 MB."""
    z = bytearray(make_zip({"bootstrap": ("z" * 100000, 0o100755)}))
    central = z.find(b"PK\x01\x02")
    z[central + 24:central + 28] = (200 << 20).to_bytes(4, "little")
    return bytes(z)


class LambdaControlPlane(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        # Client-side validation off: nimbus must answer bad input itself, as AWS does.
        cls.lam = cls.n.client("lambda", parameter_validation=False)
        cls.tmp = tempfile.mkdtemp()
        cls.zip_path = os.path.join(cls.tmp, "fn.zip")
        with open(cls.zip_path, "wb") as f:
            f.write(BOOTSTRAP_ZIP)

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def create(self, name, **kw):
        args = dict(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="bootstrap",
                    Code={"ZipFile": BOOTSTRAP_ZIP})
        args.update(kw)
        return self.lam.create_function(**args)

    def error_of(self, fn, *args, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kw)
        return cm.exception.response

    def test_cli_v1_create_wait_get_and_download(self):
        out = self.n.aws("lambda", "create-function", "--function-name", "cli1", "--runtime",
                         "python3.12", "--handler", "app.handler", "--role", ROLE, "--zip-file",
                         "fileb://" + self.zip_path, "--environment", "Variables={AB=1}")
        self.assertEqual(out["State"], "Pending")
        sha = base64.b64encode(hashlib.sha256(BOOTSTRAP_ZIP).digest()).decode()
        self.assertEqual(out["CodeSha256"], sha)
        self.assertEqual(out["CodeSize"], len(BOOTSTRAP_ZIP))
        self.assertRegex(out["LastModified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
        self.n.aws("lambda", "wait", "function-active-v2", "--function-name", "cli1")
        got = self.n.aws("lambda", "get-function", "--function-name", "cli1")
        self.assertEqual(got["Configuration"]["State"], "Active")
        self.assertEqual(got["Configuration"]["Environment"], {"Variables": {"AB": "1"}})
        with urllib.request.urlopen(got["Code"]["Location"]) as r:
            self.assertEqual(r.read(), BOOTSTRAP_ZIP)

    def test_cli_v2_update_code_and_wait_updated(self):
        self.n.aws("lambda", "create-function", "--function-name", "cli2", "--runtime",
                   "provided.al2023", "--handler", "x", "--role", ROLE, "--zip-file",
                   "fileb://" + self.zip_path, v2=True)
        other = os.path.join(self.tmp, "other.zip")
        with open(other, "wb") as f:
            f.write(make_zip({"bootstrap": ("#!/bin/sh\necho v2\n", 0o100755)}))
        out = self.n.aws("lambda", "update-function-code", "--function-name", "cli2", "--zip-file",
                         "fileb://" + other, "--publish", v2=True)
        self.assertEqual(out["Version"], "1")
        self.n.aws("lambda", "wait", "function-updated-v2", "--function-name", "cli2", v2=True)
        cfg = self.n.aws("lambda", "update-function-configuration", "--function-name", "cli2",
                         "--memory-size", "512", "--timeout", "30", v2=True)
        self.assertEqual(cfg["MemorySize"], 512)
        self.n.aws("lambda", "wait", "function-updated-v2", "--function-name", "cli2", v2=True)
        versions = self.n.aws("lambda", "list-versions-by-function", "--function-name", "cli2",
                              v2=True)["Versions"]
        self.assertEqual([v["Version"] for v in versions], ["$LATEST", "1"])

    def test_boto3_versions_aliases_routing(self):
        self.create("al")
        v1 = self.lam.publish_version(FunctionName="al")["Version"]
        self.lam.update_function_configuration(FunctionName="al", Timeout=10)
        v2 = self.lam.publish_version(FunctionName="al", Description="second")["Version"]
        self.assertEqual((v1, v2), ("1", "2"))
        a = self.lam.create_alias(FunctionName="al", Name="live", FunctionVersion="1",
                                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
        self.assertEqual(a["AliasArn"], "arn:aws:lambda:us-east-1:000000000000:function:al:live")
        self.assertEqual(a["RoutingConfig"]["AdditionalVersionWeights"], {"2": 0.3})
        err = self.error_of(self.lam.create_alias, FunctionName="al", Name="live",
                            FunctionVersion="1")
        self.assertEqual(err["Error"]["Code"], "ResourceConflictException")
        up = self.lam.update_alias(FunctionName="al", Name="live", FunctionVersion="2",
                                   RoutingConfig={"AdditionalVersionWeights": {}})
        self.assertEqual(up["FunctionVersion"], "2")
        self.assertNotIn("RoutingConfig", up)
        err = self.error_of(self.lam.update_alias, FunctionName="al", Name="live",
                            RevisionId="stale")
        self.assertEqual(err["Error"]["Code"], "PreconditionFailedException")
        cfg = self.lam.get_function_configuration(FunctionName="al", Qualifier="live")
        self.assertEqual(cfg["Timeout"], 10)
        self.assertEqual([x["Name"] for x in self.lam.list_aliases(FunctionName="al")["Aliases"]],
                         ["live"])
        err = self.error_of(self.lam.delete_function, FunctionName="al", Qualifier="2")
        self.assertEqual(err["Error"]["Code"], "ResourceConflictException")
        self.lam.delete_alias(FunctionName="al", Name="live")
        self.lam.delete_function(FunctionName="al", Qualifier="2")
        err = self.error_of(self.lam.get_function, FunctionName="al:2")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(err["Error"]["Message"],
                         "Function not found: arn:aws:lambda:us-east-1:000000000000:function:al:2")

    def test_layers(self):
        content = make_zip({"python/lib.py": ("X = 1\n", 0o100644)})
        l1 = self.lam.publish_layer_version(LayerName="deps", Content={"ZipFile": content},
                                            CompatibleRuntimes=["python3.12"])
        l2 = self.lam.publish_layer_version(LayerName="deps", Content={"ZipFile": content})
        self.assertEqual((l1["Version"], l2["Version"]), (1, 2))
        with urllib.request.urlopen(l1["Content"]["Location"]) as r:
            self.assertEqual(r.read(), content)
        got = self.lam.get_layer_version_by_arn(Arn=l1["LayerVersionArn"])
        self.assertEqual(got["CompatibleRuntimes"], ["python3.12"])
        versions = self.lam.list_layer_versions(LayerName="deps")["LayerVersions"]
        self.assertEqual([v["Version"] for v in versions], [2, 1])
        layers = self.lam.list_layers(CompatibleRuntime="python3.12")["Layers"]
        self.assertEqual(layers[0]["LatestMatchingVersion"]["Version"], 1)
        f = self.create("withlayer", Layers=[l1["LayerVersionArn"]])
        self.assertEqual(f["Layers"][0]["Arn"], l1["LayerVersionArn"])
        self.lam.delete_layer_version(LayerName="deps", VersionNumber=1)
        err = self.error_of(self.lam.get_layer_version, LayerName="deps", VersionNumber=1)
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        err = self.error_of(self.create, "badlayer", Layers=[l1["LayerVersionArn"]])
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValueException")

    def test_concurrency_tags_event_config_account(self):
        arn = self.create("misc", Tags={"team": "a"})["FunctionArn"]
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"team": "a"})
        self.lam.tag_resource(Resource=arn, Tags={"env": "dev"})
        self.lam.untag_resource(Resource=arn, TagKeys=["team"])
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"env": "dev"})
        self.lam.put_function_concurrency(FunctionName="misc", ReservedConcurrentExecutions=10)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName="misc")
                         ["ReservedConcurrentExecutions"], 10)
        self.assertEqual(self.lam.get_function(FunctionName="misc")["Concurrency"],
                         {"ReservedConcurrentExecutions": 10})
        err = self.error_of(self.lam.put_function_concurrency, FunctionName="misc",
                            ReservedConcurrentExecutions=950)
        self.assertIn("below its minimum value of [100]", err["Error"]["Message"])
        acct = self.lam.get_account_settings()
        self.assertEqual(acct["AccountLimit"]["UnreservedConcurrentExecutions"], 990)
        self.lam.delete_function_concurrency(FunctionName="misc")
        cfg = self.lam.put_function_event_invoke_config(FunctionName="misc",
                                                        MaximumRetryAttempts=0,
                                                        MaximumEventAgeInSeconds=60)
        self.assertEqual(cfg["FunctionArn"], arn + ":$LATEST")
        self.lam.update_function_event_invoke_config(FunctionName="misc", MaximumRetryAttempts=1)
        got = self.lam.get_function_event_invoke_config(FunctionName="misc")
        self.assertEqual((got["MaximumRetryAttempts"], got["MaximumEventAgeInSeconds"]), (1, 60))
        self.lam.delete_function_event_invoke_config(FunctionName="misc")
        err = self.error_of(self.lam.get_function_event_invoke_config, FunctionName="misc")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")

    def test_list_functions_paginates(self):
        for i in range(5):
            self.create("page-%d" % i)
        names = []
        for page in self.lam.get_paginator("list_functions").paginate(
                PaginationConfig={"PageSize": 2}):
            names += [f["FunctionName"] for f in page["Functions"]]
        self.assertEqual([n for n in names if n.startswith("page-")],
                         ["page-%d" % i for i in range(5)])

    def test_bad_input(self):
        cases = [
            (dict(MemorySize=100), "ValidationException"),
            (dict(Timeout=901), "ValidationException"),
            (dict(EphemeralStorage={"Size": 100}), "ValidationException"),
            (dict(Runtime="python9.9"), "InvalidParameterValueException"),
            (dict(Runtime="python2.7"), "InvalidParameterValueException"),
            (dict(Architectures=["arm64"]), "InvalidParameterValueException"),
            (dict(Role="not-a-role"), "ValidationException"),
            (dict(Environment={"Variables": {"AWS_REGION": "x"}}),
             "InvalidParameterValueException"),
            (dict(Environment={"Variables": {"BIG": "x" * 5000}}),
             "InvalidParameterValueException"),
            (dict(Code={"ZipFile": b"not a zip"}), "InvalidParameterValueException"),
            (dict(Code={"ZipFile": make_zip({"../evil": ("x", 0o100644)})}),
             "InvalidParameterValueException"),
            (dict(Code={"ZipFile": make_zip({"l": ("/etc/passwd", 0o120777)})}),
             "InvalidParameterValueException"),
            (dict(PackageType="Image", Code={"ImageUri": "x"}), "InvalidParameterValueException"),
            (dict(Code={"ZipFile": lying_zip()}), "InvalidParameterValueException"),
        ]
        for kw, code in cases:
            err = self.error_of(self.create, "bad", **kw)
            self.assertEqual(err["Error"]["Code"], code, kw)
        self.create("dup")
        err = self.error_of(self.create, "dup")
        self.assertEqual(err["Error"]["Message"], "Function already exist: dup")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 409)
        err = self.error_of(self.lam.get_function, FunctionName="nope")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        err = self.error_of(self.lam.get_function, FunctionName="dup:1", Qualifier="2")
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValueException")
        res = self.n.aws("lambda", "get-function", "--function-name", "bad name!", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(b"ValidationException", res.stderr)
        err = self.error_of(self.lam.delete_function, FunctionName="dup", Qualifier="$LATEST")
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValueException")
        # A body that is JSON up to a NUL byte, then anything: not JSON.
        body = json.dumps({"FunctionName": "nul", "Runtime": "provided.al2023", "Role": ROLE,
                           "Handler": "bootstrap", "Code": {"ZipFile": base64.b64encode(
                               BOOTSTRAP_ZIP).decode()}}).encode() + b"\0junk"
        out = self.n.raw(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nConnection: close"
                         b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out[:200])
        self.assertIn(b"InvalidRequestContentException", out)
        self.assertEqual(self.error_of(self.lam.get_function, FunctionName="nul")["Error"]["Code"],
                         "ResourceNotFoundException")

    def test_extracted_code_keeps_executable_bit(self):
        arn = self.create("exe")["FunctionArn"]
        del arn
        sha = hashlib.sha256(BOOTSTRAP_ZIP).hexdigest()
        path = os.path.join(self.n.data_dir, "lambda", "code", sha, "bootstrap")
        self.assertTrue(os.stat(path).st_mode & stat.S_IXUSR)


class LambdaPersistence(unittest.TestCase):
    def test_survives_restart_and_kill9(self):
        with Nimbus() as n:
            lam = n.client("lambda")
            lam.create_function(FunctionName="keep", Runtime="python3.12", Role=ROLE,
                                Handler="a.b", Code={"ZipFile": BOOTSTRAP_ZIP}, Publish=True)
            lam.create_alias(FunctionName="keep", Name="prod", FunctionVersion="1")
            lam.put_function_concurrency(FunctionName="keep", ReservedConcurrentExecutions=3)
            lam.publish_layer_version(LayerName="lay", Content={"ZipFile": BOOTSTRAP_ZIP})
            for sig in (signal.SIGTERM, signal.SIGKILL):
                n.restart(sig)
                lam = n.client("lambda")
                self.assertEqual(lam.get_function(FunctionName="keep")["Configuration"]["State"],
                                 "Active")
                self.assertEqual(lam.get_alias(FunctionName="keep", Name="prod")["FunctionVersion"],
                                 "1")
                self.assertEqual(lam.get_function_concurrency(FunctionName="keep")
                                 ["ReservedConcurrentExecutions"], 3)
                self.assertEqual(lam.get_layer_version(LayerName="lay", VersionNumber=1)
                                 ["Version"], 1)
                v = n.aws("lambda", "list-versions-by-function", "--function-name", "keep")
                self.assertEqual(len(v["Versions"]), 2)
            # Extracted code is a cache: removed directories come back from the blob.
            code = os.path.join(n.data_dir, "lambda", "code")
            out = n.aws("lambda", "get-function", "--function-name", "keep")
            with urllib.request.urlopen(out["Code"]["Location"]) as r:
                self.assertEqual(r.read(), BOOTSTRAP_ZIP)
            self.assertTrue(os.listdir(code))


if __name__ == "__main__":
    unittest.main()
