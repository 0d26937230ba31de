"""Lambda function URLs with real clients: the control plane with boto3 and both AWS CLIs
(create/get/update/delete/list per function and alias, AWS's errors, restart persistence), and
the URLs themselves with curl and urllib (payload format 2.0 events, binary bodies through
isBase64Encoded, headers, cookies, query strings, response inference, function errors, streaming,
CORS preflight, AWS_IAM in strict mode with botocore's SigV4Auth)."""
import base64
import gzip
import json
import re
import subprocess
import unittest
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

from harness import Nimbus
from lambda_util import create

URL_RE = re.compile(r"^http://([a-z0-9]{32})\.lambda-url\.us-east-1\.localhost:(\d+)/$")

# Echoes the event it was given, or answers what the event's body asks for.
ECHO_PY = r"""
import base64, json
def handler(event, context):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(body)
    else:
        raw = body.encode()
    q = event.get("queryStringParameters") or {}
    mode = q.get("mode", "echo")
    if mode == "echo":
        return {"statusCode": 200, "headers": {"content-type": "application/json"},
                "body": json.dumps(event)}
    if mode == "binary":  # the request body back as it came (base64 out)
        return {"statusCode": 201, "isBase64Encoded": True,
                "headers": {"content-type": "application/octet-stream", "x-len": str(len(raw))},
                "body": base64.b64encode(raw).decode()}
    if mode == "cookies":
        return {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
                "headers": {"x-multi": "v"}, "body": "with cookies"}
    if mode == "string":
        return "just a string"
    if mode == "dict":
        return {"message": "no status code"}
    if mode == "number":
        return 42
    if mode == "status":
        return {"statusCode": 418, "body": "teapot"}
    if mode == "raise":
        raise RuntimeError("broken on purpose")
    return None
"""


def http(url, method="GET", data=None, headers=None, timeout=60):
    """(status, headers as a list of pairs, body bytes) with urllib; errors are answers too."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class LambdaUrlControlPlane(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.lam = cls.n.client("lambda", parameter_validation=False)
        create(cls.lam, "urlfn", {"app.py": ECHO_PY})
        cls.lam.publish_version(FunctionName="urlfn")
        cls.lam.create_alias(FunctionName="urlfn", Name="live", FunctionVersion="1")

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def err(self, fn, **kw):
        with self.assertRaises(ClientError) as c:
            fn(**kw)
        e = c.exception.response
        return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"]["Message"]

    def test_create_get_update_list_delete(self):
        lam = self.lam
        created = lam.create_function_url_config(
            FunctionName="urlfn", AuthType="NONE",
            Cors={"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"],
                  "MaxAge": 60})
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        m = URL_RE.match(created["FunctionUrl"])
        self.assertIsNotNone(m, created["FunctionUrl"])
        self.assertEqual(int(m.group(2)), self.n.port)
        self.assertEqual(created["FunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:urlfn")
        self.assertEqual(created["AuthType"], "NONE")
        self.assertEqual(created["InvokeMode"], "BUFFERED")
        self.assertRegex(created["CreationTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertEqual(created["Cors"]["AllowOrigins"], ["https://example.com"])

        got = lam.get_function_url_config(FunctionName="urlfn")
        self.assertEqual(got["FunctionUrl"], created["FunctionUrl"])
        self.assertEqual(got["LastModifiedTime"], created["CreationTime"])

        aliased = lam.create_function_url_config(FunctionName="urlfn", Qualifier="live",
                                                 AuthType="AWS_IAM", InvokeMode="RESPONSE_STREAM")
        self.assertEqual(aliased["FunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:urlfn:live")
        self.assertNotEqual(aliased["FunctionUrl"], created["FunctionUrl"])
        self.assertEqual(aliased["InvokeMode"], "RESPONSE_STREAM")

        updated = lam.update_function_url_config(FunctionName="urlfn", AuthType="AWS_IAM",
                                                 Cors={"AllowOrigins": ["*"]})
        self.assertEqual(updated["AuthType"], "AWS_IAM")
        self.assertEqual(updated["Cors"], {"AllowOrigins": ["*"]})
        self.assertEqual(updated["FunctionUrl"], created["FunctionUrl"])
        self.assertEqual(updated["InvokeMode"], "BUFFERED")

        listed = lam.list_function_url_configs(FunctionName="urlfn")["FunctionUrlConfigs"]
        self.assertEqual(sorted(c["FunctionArn"] for c in listed),
                         [created["FunctionArn"], aliased["FunctionArn"]])
        page = lam.list_function_url_configs(FunctionName="urlfn", MaxItems=1)
        self.assertEqual(len(page["FunctionUrlConfigs"]), 1)
        rest = lam.list_function_url_configs(FunctionName="urlfn", Marker=page["NextMarker"])
        self.assertEqual(len(rest["FunctionUrlConfigs"]), 1)
        self.assertNotIn("NextMarker", rest)

        lam.delete_function_url_config(FunctionName="urlfn", Qualifier="live")
        lam.delete_function_url_config(FunctionName="urlfn")
        self.assertEqual(lam.list_function_url_configs(FunctionName="urlfn")["FunctionUrlConfigs"],
                         [])
        self.assertEqual(self.err(lam.get_function_url_config, FunctionName="urlfn"),
                         (404, "ResourceNotFoundException",
                          "The resource you requested does not exist."))

    def test_errors_as_aws_answers_them(self):
        lam = self.lam
        lam.create_function_url_config(FunctionName="urlfn", Qualifier="live", AuthType="NONE")
        self.addCleanup(lam.delete_function_url_config, FunctionName="urlfn", Qualifier="live")
        status, code, message = self.err(lam.create_function_url_config, FunctionName="urlfn",
                                         Qualifier="live", AuthType="NONE")
        self.assertEqual((status, code), (409, "ResourceConflictException"))
        self.assertEqual(message, "Failed to create function url config for [functionArn = "
                         "arn:aws:lambda:us-east-1:000000000000:function:urlfn:live]. Error "
                         "message:  FunctionUrlConfig exists for this Lambda function")
        self.assertEqual(self.err(lam.create_function_url_config, FunctionName="nope",
                                  AuthType="NONE"),
                         (404, "ResourceNotFoundException", "Function does not exist"))
        self.assertEqual(self.err(lam.create_function_url_config, FunctionName="urlfn",
                                  Qualifier="ghost", AuthType="NONE"),
                         (404, "ResourceNotFoundException", "Function does not exist"))
        status, code, message = self.err(lam.create_function_url_config, FunctionName="urlfn",
                                         Qualifier="1", AuthType="NONE")
        self.assertEqual((status, code), (400, "ValidationException"))
        self.assertIn("Value '1' at 'qualifier' failed to satisfy constraint", message)
        status, code, message = self.err(lam.create_function_url_config, FunctionName="urlfn",
                                         Qualifier="$LATEST", AuthType="NONE")
        self.assertEqual((status, code), (400, "ValidationException"))
        status, code, message = self.err(lam.create_function_url_config, FunctionName="urlfn",
                                         AuthType="BASIC")
        self.assertEqual((status, code), (400, "ValidationException"))
        self.assertIn("Value 'BASIC' at 'authType' failed to satisfy constraint: Member must "
                      "satisfy enum value set: [AWS_IAM, NONE]", message)
        status, code, message = self.err(lam.create_function_url_config, FunctionName="urlfn",
                                         AuthType="NONE", InvokeMode="FAST",
                                         Cors={"MaxAge": 90000})
        self.assertEqual((status, code), (400, "ValidationException"))
        self.assertIn("2 validation errors detected", message)
        self.assertIn("'invokeMode'", message)
        self.assertIn("'cors.maxAge'", message)
        self.assertEqual(self.err(lam.update_function_url_config, FunctionName="urlfn",
                                  AuthType="NONE"),
                         (404, "ResourceNotFoundException",
                          "The resource you requested does not exist."))
        self.assertEqual(self.err(lam.delete_function_url_config, FunctionName="urlfn"),
                         (404, "ResourceNotFoundException",
                          "The resource you requested does not exist."))
        self.assertEqual(self.err(lam.list_function_url_configs, FunctionName="nope"),
                         (404, "ResourceNotFoundException", "Function does not exist"))

    def test_both_clis(self):
        for v2 in (False, True):
            out = self.n.aws("lambda", "create-function-url-config", "--function-name", "urlfn",
                             "--auth-type", "NONE", "--cors", "AllowOrigins=*,MaxAge=5", v2=v2)
            self.assertRegex(out["FunctionUrl"], URL_RE)
            got = self.n.aws("lambda", "get-function-url-config", "--function-name", "urlfn",
                             v2=v2)
            self.assertEqual(got["FunctionUrl"], out["FunctionUrl"])
            self.assertEqual(got["Cors"], {"AllowOrigins": ["*"], "MaxAge": 5})
            listed = self.n.aws("lambda", "list-function-url-configs", "--function-name",
                                "urlfn", v2=v2)
            self.assertEqual(len(listed["FunctionUrlConfigs"]), 1)
            self.n.aws("lambda", "update-function-url-config", "--function-name", "urlfn",
                       "--auth-type", "AWS_IAM", v2=v2)
            self.n.aws("lambda", "delete-function-url-config", "--function-name", "urlfn",
                       v2=v2)
            res = self.n.aws("lambda", "get-function-url-config", "--function-name", "urlfn",
                             v2=v2, check=False)
            self.assertNotEqual(res.returncode, 0)
            self.assertIn(b"ResourceNotFoundException", res.stderr)


class LambdaUrlPersistence(unittest.TestCase):
    def test_urls_survive_kill_and_move_to_the_new_port(self):
        with Nimbus() as n:
            lam = n.client("lambda")
            create(lam, "keep", {"app.py": ECHO_PY})
            url = lam.create_function_url_config(FunctionName="keep",
                                                 AuthType="NONE")["FunctionUrl"]
            url_id = URL_RE.match(url).group(1)
            n.restart(sig=9)
            lam = n.client("lambda")
            got = lam.get_function_url_config(FunctionName="keep")
            self.assertEqual(URL_RE.match(got["FunctionUrl"]).group(1), url_id)
            self.assertEqual(int(URL_RE.match(got["FunctionUrl"]).group(2)), n.port)
            lam.delete_function(FunctionName="keep")
            create(lam, "keep", {"app.py": ECHO_PY})
            with self.assertRaises(ClientError):
                lam.get_function_url_config(FunctionName="keep")


if __name__ == "__main__":
    unittest.main()
