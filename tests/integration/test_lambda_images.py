"""Lambda functions packaged as container images (PackageType Image) from nimbus's ECR, driven
with boto3 and both AWS CLIs: the ImageUri resolved to a digest at create and update time (a
moved tag changes nothing until UpdateFunctionCode), ImageConfig, AWS's errors for bad and
missing images and for zip-only fields, and what survives a restart. Images are busybox-static
ones built and pushed with skopeo by images.py."""
import json
import os
import subprocess
import unittest

from harness import NIMBUS_BIN, Nimbus
from images import have_busybox, push_image
from lambda_util import ROLE, make_zip

ACCOUNT = "000000000000"  # the open mode's


def error_of(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except Exception as e:  # botocore ClientError
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise AssertionError("no error")


@unittest.skipUnless(have_busybox(), "busybox-static or skopeo missing (install-deps.sh test)")
class LambdaImageControlTest(unittest.TestCase):
    def test_create_get_and_update_resolve_the_tag_to_a_digest(self):
        with Nimbus().start() as n:
            lam = n.client("lambda")
            uri, d1 = push_image(n, "fn/app", tag="v1", entrypoint=["/bin/sh", "-c"],
                                 cmd=["echo one"])
            out = lam.create_function(
                FunctionName="img", PackageType="Image", Role=ROLE, Code={"ImageUri": uri + ":v1"},
                ImageConfig={"Command": ["app.handler"], "WorkingDirectory": "/srv"},
                MemorySize=256)
            self.assertEqual(out["PackageType"], "Image")
            self.assertEqual(out["CodeSha256"], d1[len("sha256:"):])
            self.assertEqual(out["CodeSize"], 0)
            self.assertNotIn("Runtime", out)
            self.assertNotIn("Handler", out)
            self.assertEqual(out["ImageConfigResponse"]["ImageConfig"],
                             {"Command": ["app.handler"], "WorkingDirectory": "/srv"})
            lam.get_waiter("function_active_v2").wait(FunctionName="img")
            got = lam.get_function(FunctionName="img")
            self.assertEqual(got["Code"], {"RepositoryType": "ECR", "ImageUri": uri + ":v1",
                                           "ResolvedImageUri": uri + "@" + d1})
            # The tag moves to another image: the function keeps its digest...
            _, d2 = push_image(n, "fn/app", tag="v1", entrypoint=["/bin/sh", "-c"],
                               cmd=["echo two"])
            self.assertNotEqual(d1, d2)
            got = lam.get_function(FunctionName="img")
            self.assertEqual(got["Code"]["ResolvedImageUri"], uri + "@" + d1)
            # ...until UpdateFunctionCode resolves it again.
            upd = lam.update_function_code(FunctionName="img", ImageUri=uri + ":v1", Publish=True)
            self.assertEqual(upd["CodeSha256"], d2[len("sha256:"):])
            self.assertEqual(upd["Version"], "1")
            lam.get_waiter("function_updated_v2").wait(FunctionName="img")
            self.assertEqual(lam.get_function(FunctionName="img")["Code"]["ResolvedImageUri"],
                             uri + "@" + d2)
            # By digest, and as a real ECR URI of the account and region.
            ecr_uri = "%s.dkr.ecr.us-east-1.amazonaws.com/fn/app@%s" % (ACCOUNT, d1)
            lam.update_function_code(FunctionName="img", ImageUri=ecr_uri)
            got = lam.get_function(FunctionName="img")
            self.assertEqual(got["Code"]["ImageUri"], ecr_uri)
            self.assertEqual(got["Code"]["ResolvedImageUri"],
                             "%s.dkr.ecr.us-east-1.amazonaws.com/fn/app@%s" % (ACCOUNT, d1))
            # Durable: the same after a restart, version 1 included.
            n.restart()
            lam = n.client("lambda")
            got = lam.get_function(FunctionName="img", Qualifier="1")
            self.assertEqual(got["Code"]["ResolvedImageUri"], uri + "@" + d2)
            self.assertEqual(got["Configuration"]["ImageConfigResponse"]["ImageConfig"]["Command"],
                             ["app.handler"])
            self.assertEqual(lam.get_function(FunctionName="img")["Code"]["ImageUri"], ecr_uri)

    def test_both_clis_create_image_functions(self):
        with Nimbus().start() as n:
            uri, digest = push_image(n, "cli/app", tag="latest", cmd=["/bin/true"])
            for v2, name in ((False, "cli-v1"), (True, "cli-v2")):
                out = n.aws("lambda", "create-function", "--function-name", name,
                            "--package-type", "Image", "--code", "ImageUri=%s:latest" % uri,
                            "--role", ROLE, "--image-config",
                            json.dumps({"EntryPoint": ["/bin/sh"], "Command": ["-c", "true"]}),
                            v2=v2)
                self.assertEqual(out["PackageType"], "Image")
                got = n.aws("lambda", "get-function", "--function-name", name, v2=v2)
                self.assertEqual(got["Code"]["ResolvedImageUri"], uri + "@" + digest)
                self.assertEqual(got["Configuration"]["ImageConfigResponse"]["ImageConfig"],
                                 {"EntryPoint": ["/bin/sh"], "Command": ["-c", "true"]})
            res = n.aws("lambda", "update-function-code", "--function-name", "cli-v2",
                        "--image-uri", uri + ":gone", v2=True, check=False)
            self.assertNotEqual(res.returncode, 0)
            self.assertIn("Source image %s:gone does not exist. Provide a valid source image."
                          % uri, res.stderr.decode())

    def test_bad_input_gets_aws_errors(self):
        with Nimbus().start() as n:
            lam = n.client("lambda")
            uri, _ = push_image(n, "bad/app", tag="v1", cmd=["/bin/true"])

            def create(**kw):
                args = dict(FunctionName="bad", PackageType="Image", Role=ROLE,
                            Code={"ImageUri": uri + ":v1"})
                args.update(kw)
                return error_of(lam.create_function, **args)

            invalid = "InvalidParameterValueException"
            self.assertEqual(create(Code={"ImageUri": uri + ":nope"}), (
                invalid, "Source image %s:nope does not exist. Provide a valid source image."
                % uri))
            self.assertEqual(create(Code={"ImageUri": "%s/none:v1" % uri.split("/")[0]}), (
                invalid, "Source image %s/none:v1 does not exist. Provide a valid source image."
                % uri.split("/")[0]))
            self.assertEqual(create(Code={"ImageUri": uri}), (
                invalid, "Source image %s is not valid. Provide a valid source image." % uri))
            self.assertEqual(create(Code={"ImageUri": "docker.io/library/busybox:latest"}), (
                invalid, "Source image docker.io/library/busybox:latest is not valid. Provide a "
                "valid source image."))
            # A real ECR URI of another region is not one Lambda can use; another account's
            # would need a repository policy, which nimbus does not keep.
            other_region = "%s.dkr.ecr.eu-west-1.amazonaws.com/bad/app:v1" % ACCOUNT
            self.assertEqual(create(Code={"ImageUri": other_region}), (
                invalid, "Source image %s is not valid. Provide a valid source image."
                % other_region))
            self.assertEqual(create(Code={"ImageUri": "111122223333.dkr.ecr.us-east-1."
                                                      "amazonaws.com/bad/app:v1"}), (
                invalid, "Lambda does not have permission to access the ECR image. Check the ECR "
                "permissions."))
            self.assertEqual(create(Code={}), (
                invalid, "Please provide ImageUri when creating a function with packageType "
                "Image."))
            zip_only = (invalid, "Please don't provide Handler or Runtime or Layer when the "
                        "intended function PackageType is Image.")
            self.assertEqual(create(Runtime="python3.12"), zip_only)
            self.assertEqual(create(Handler="app.handler"), zip_only)
            self.assertEqual(create(Layers=["arn:aws:lambda:us-east-1:%s:layer:l:1" % ACCOUNT]),
                             zip_only)
            self.assertEqual(error_of(lam.get_function, FunctionName="bad")[0],
                             "ResourceNotFoundException")
            # The reverse: a zip function takes no image.
            lam.create_function(FunctionName="zip", Runtime="python3.12", Handler="app.handler",
                                Role=ROLE, Code={"ZipFile": make_zip({"app.py": "x = 1\n"})})
            self.assertEqual(error_of(lam.update_function_code, FunctionName="zip",
                                      ImageUri=uri + ":v1"), (
                invalid, "Please don't provide ImageUri when updating a function with "
                "packageType Zip."))
            self.assertEqual(error_of(lam.update_function_configuration, FunctionName="zip",
                                      ImageConfig={"Command": ["x"]})[0], invalid)
            # An image function takes no zip, and keeps its image through config updates.
            lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE,
                                Code={"ImageUri": uri + ":v1"})
            self.assertEqual(error_of(lam.update_function_code, FunctionName="img",
                                      ZipFile=make_zip({"a": "b"})), (
                invalid, "Please provide ImageUri when updating a function with packageType "
                "Image."))
            self.assertEqual(error_of(lam.update_function_configuration, FunctionName="img",
                                      Runtime="python3.12"), zip_only)
            out = lam.update_function_configuration(FunctionName="img", Timeout=9,
                                                    ImageConfig={"EntryPoint": ["/bin/sh"]})
            self.assertEqual(out["ImageConfigResponse"]["ImageConfig"], {"EntryPoint": ["/bin/sh"]})
            self.assertEqual(out["PackageType"], "Image")


# A Runtime API client in busybox's shell: answers each event with what the function sees.
SHELL_RUNTIME = r"""#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
echo "init as $(id -u) in $(pwd)"
while true; do
  wget -S -q -O /tmp/event "$api/invocation/next" 2>/tmp/headers
  id=$(grep -i 'Lambda-Runtime-Aws-Request-Id' /tmp/headers | tr -d '\r ' | cut -d: -f2)
  if touch /var/task/x 2>/dev/null; then root=writable; else root=read-only; fi
  echo hi > /tmp/t && tmp=$(cat /tmp/t)
  body=$(printf '{"argv":"%s","handler":"%s","cwd":"%s","uid":"%s","task_root":"%s",'\
'"image_var":"%s","user_var":"%s","root":"%s","tmp":"%s","event":%s}' \
    "$*" "$_HANDLER" "$(pwd)" "$(id -u)" "$LAMBDA_TASK_ROOT" "$IMAGE_VAR" "$USER_VAR" "$root" \
    "$tmp" "$(cat /tmp/event)")
  wget -q -O /dev/null --post-data "$body" "$api/invocation/$id/response"
done
"""


@unittest.skipUnless(have_busybox(), "busybox-static or skopeo missing (install-deps.sh test)")
class LambdaImageInvokeTest(unittest.TestCase):
    def push_runtime(self, n, repo, tag="v1", **kw):
        files = {"var/task/runtime.sh": (SHELL_RUNTIME.encode(), 0o755)}
        image = dict(entrypoint=["/bin/sh", "/var/task/runtime.sh"], cmd=["app.handler"],
                     env={"IMAGE_VAR": "from-image", "USER_VAR": "from-image"},
                     workdir="/var/task", user="1000:1000", files=files)
        image.update(kw)
        return push_image(n, repo, tag=tag, **image)

    def test_invokes_the_image_with_lambdas_environment(self):
        with Nimbus().start() as n:
            lam = n.client("lambda")
            uri, digest = self.push_runtime(n, "run/app")
            lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE,
                                Code={"ImageUri": uri + ":v1"},
                                Environment={"Variables": {"USER_VAR": "from-function"}})
            lam.get_waiter("function_active_v2").wait(FunctionName="img")
            out = lam.invoke(FunctionName="img", Payload=b'{"n": 1}', LogType="Tail")
            self.assertNotIn("FunctionError", out)
            got = json.loads(out["Payload"].read())
            # The image's ENTRYPOINT runs with its CMD; Lambda's user, not the image's USER; the
            # root read-only, /tmp private and writable; the image's ENV under the function's.
            self.assertEqual(got, {
                "argv": "app.handler", "handler": "app.handler", "cwd": "/var/task",
                "uid": "993", "task_root": "/var/task", "image_var": "from-image",
                "user_var": "from-function", "root": "read-only", "tmp": "hi",
                "event": {"n": 1}})
            # ImageConfig overrides CMD and WORKDIR.
            lam.update_function_configuration(
                FunctionName="img",
                ImageConfig={"Command": ["other.handler"], "WorkingDirectory": "/tmp"})
            lam.get_waiter("function_updated_v2").wait(FunctionName="img")
            got = json.loads(lam.invoke(FunctionName="img")["Payload"].read())
            self.assertEqual((got["handler"], got["argv"], got["cwd"]),
                             ("other.handler", "other.handler", "/tmp"))
            # A new image under the same tag runs only after UpdateFunctionCode.
            self.push_runtime(n, "run/app", env={"IMAGE_VAR": "second"})
            lam.update_function_configuration(FunctionName="img", Description="cold start")
            lam.get_waiter("function_updated_v2").wait(FunctionName="img")
            got = json.loads(lam.invoke(FunctionName="img")["Payload"].read())
            self.assertEqual(got["image_var"], "from-image")
            lam.update_function_code(FunctionName="img", ImageUri=uri + ":v1")
            lam.get_waiter("function_updated_v2").wait(FunctionName="img")
            got = json.loads(lam.invoke(FunctionName="img")["Payload"].read())
            self.assertEqual(got["image_var"], "second")
            # Both CLIs invoke it too.
            for v2 in (False, True):
                res = n.aws("lambda", "invoke", "--function-name", "img", "--payload",
                            "eyJuIjogMn0=" if v2 else '{"n": 2}', "/dev/stdout", v2=v2,
                            check=False)
                self.assertEqual(res.returncode, 0, res.stderr.decode())
                self.assertIn('"event":{"n": 2}', res.stdout.decode())
            # After a restart (on another port: the image is pinned by account and region, not
            # by nimbus's address) it starts again from the cached layers.
            n.restart()
            out = n.client("lambda").invoke(FunctionName="img")
            self.assertNotIn("FunctionError", out)
            self.assertEqual(json.loads(out["Payload"].read())["image_var"], "second")

    def test_a_deleted_image_fails_the_function(self):
        with Nimbus().start() as n:
            lam = n.client("lambda")
            uri, digest = self.push_runtime(n, "gone/app")
            lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE,
                                Code={"ImageUri": uri + ":v1"})
            self.assertNotIn("FunctionError", lam.invoke(FunctionName="img"))
            n.client("ecr").batch_delete_image(repositoryName="gone/app",
                                               imageIds=[{"imageDigest": digest}])
            # The warm environment still answers; the next cold start finds the image gone.
            self.assertNotIn("FunctionError", lam.invoke(FunctionName="img"))
            lam.update_function_configuration(FunctionName="img", Description="cold start")
            lam.get_waiter("function_updated_v2").wait(FunctionName="img")
            conflict = ("ResourceConflictException", "The operation cannot be performed at this "
                        "time. The function is currently in the following state: Failed")
            self.assertEqual(error_of(lam.invoke, FunctionName="img"), conflict)
            config = lam.get_function_configuration(FunctionName="img")
            self.assertEqual((config["State"], config["StateReasonCode"], config["StateReason"]),
                             ("Failed", "ImageDeleted",
                              "The function is trying to use a deleted image."))
            self.assertEqual(error_of(lam.invoke, FunctionName="img"), conflict)
            # Durable, and a new image brings it back.
            n.restart()
            lam = n.client("lambda")
            self.assertEqual(lam.get_function_configuration(FunctionName="img")["State"],
                             "Failed")
            uri, _ = self.push_runtime(n, "gone/app", tag="v2")  # the port changed
            lam.update_function_code(FunctionName="img", ImageUri=uri + ":v2")
            lam.get_waiter("function_updated_v2").wait(FunctionName="img")
            self.assertEqual(lam.get_function_configuration(FunctionName="img")["State"],
                             "Active")
            self.assertNotIn("FunctionError", lam.invoke(FunctionName="img"))

    def test_nimbus_package_image_pushes_a_cpp_function(self):
        fn = os.path.join(os.path.dirname(NIMBUS_BIN), "tests", "integration", "cpp_functions",
                          "cpp-e2e-fn")
        if not os.access(fn, os.X_OK):
            self.skipTest("cpp-e2e-fn not built (ninja cpp-e2e-fn)")
        with Nimbus().start() as n:
            n.client("ecr").create_repository(repositoryName="cpp/e2e")
            ref = "%s:%d/cpp/e2e:v1" % (n.host, n.port)
            res = subprocess.run([NIMBUS_BIN, "package", fn, "--image", ref],
                                 capture_output=True, timeout=300)
            self.assertEqual(res.returncode, 0, res.stderr.decode())
            # Its last line is the ImageUri by digest; the C++ function is dynamically linked,
            # so the image's entry point is its bundled loader.
            image_uri = res.stdout.decode().strip().splitlines()[-1].split("=", 1)[1]
            self.assertTrue(image_uri.startswith(ref[:-3] + "@sha256:"), res.stdout)
            lam = n.client("lambda")
            lam.create_function(FunctionName="cpp", PackageType="Image", Role=ROLE,
                                Code={"ImageUri": image_uri}, ImageConfig={"Command": ["echo"]})
            lam.get_waiter("function_active_v2").wait(FunctionName="cpp")
            for count in (1, 2):
                out = lam.invoke(FunctionName="cpp", Payload=b'{"x": 1}')
                self.assertNotIn("FunctionError", out)
                self.assertEqual(json.loads(out["Payload"].read())["count"], count)
            # Unknown repositories are refused with what to do.
            res = subprocess.run([NIMBUS_BIN, "package", fn, "--image",
                                  "%s:%d/none:v1" % (n.host, n.port)], capture_output=True,
                                 timeout=300)
            self.assertEqual(res.returncode, 2)
            self.assertIn("create it first", res.stderr.decode())

    def test_an_image_that_cannot_start_is_an_invalid_entrypoint(self):
        with Nimbus().start() as n:
            lam = n.client("lambda")
            uri, _ = push_image(n, "broken/app", tag="v1", entrypoint=["/no/such/bootstrap"],
                                cmd=["h"])
            lam.create_function(FunctionName="broken", PackageType="Image", Role=ROLE,
                                Code={"ImageUri": uri + ":v1"})
            out = lam.invoke(FunctionName="broken")
            self.assertEqual(out["FunctionError"], "Unhandled")
            err = json.loads(out["Payload"].read())
            self.assertEqual(err["errorType"], "Runtime.InvalidEntrypoint")
            self.assertIn("Launch error: fork/exec /no/such/bootstrap: no such file or directory "
                          "Entrypoint: [/no/such/bootstrap] Cmd: [h] WorkingDir: [/]",
                          err["errorMessage"])


if __name__ == "__main__":
    unittest.main()
