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


# A custom runtime whose responses stream with awslambda.HttpResponseStream's prelude: the JSON
# head, eight NUL bytes, then the body in pieces.
STREAM_BOOTSTRAP = r"""#!/usr/bin/env python3
import http.client, json, os, socket, time
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, PORT = API.split(":")
BASE = "/2018-06-01/runtime/invocation/"
while True:
    c = http.client.HTTPConnection(HOST, int(PORT))
    c.request("GET", BASE + "next")
    r = c.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    c.close()
    s = socket.create_connection((HOST, int(PORT)))
    s.sendall(("POST %s%s/response HTTP/1.1\r\nHost: %s\r\n"
               "Content-Type: application/vnd.awslambda.http-integration-response\r\n"
               "Lambda-Runtime-Function-Response-Mode: streaming\r\n"
               "Transfer-Encoding: chunked\r\n\r\n" % (BASE, rid, API)).encode())
    def chunk(data):
        s.sendall(b"%x\r\n%s\r\n" % (len(data), data))
    head = {"statusCode": 207, "headers": {"content-type": "text/plain", "x-path": event["rawPath"]},
            "cookies": ["s=1"]}
    chunk(json.dumps(head).encode() + b"\0" * 8)
    for i in range(3):
        chunk(b"part %d;" % i)
        time.sleep(0.3)
    s.sendall(b"0\r\n\r\n")
    s.recv(4096)
    s.close()
"""

NODE_HANDLER = r"""
exports.handler = async (event) => ({
  statusCode: 200,
  headers: {"content-type": "text/plain", "x-runtime": "node"},
  cookies: ["n=1"],
  body: `node ${event.requestContext.http.method} ${event.rawPath} ${event.rawQueryString}`,
});
"""

NODE_STREAMING = r"""
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201, headers: {"content-type": "text/plain", "x-node": "streamed"},
    cookies: ["ns=1"]});
  for (let i = 0; i < 3; i++) {
    stream.write(`node ${i};`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (event.rawQueryString === "fail") throw new Error("failed mid-stream");
  stream.end();
});
"""


def curl(*args):
    """(status, headers text, body bytes) from curl, which resolves *.localhost to loopback."""
    res = subprocess.run(["curl", "-sS", "-D", "-", "--max-time", "60"] + list(args),
                         capture_output=True, timeout=90)
    if res.returncode != 0:
        raise AssertionError("curl failed: %s" % res.stderr.decode())
    head, _, body = res.stdout.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 100"):
        head, _, body = body.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, head.decode(), body


class LambdaUrlServing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.lam = cls.n.client("lambda", read_timeout=60)
        create(cls.lam, "echo", {"app.py": ECHO_PY}, Timeout=30)
        cls.url = cls.lam.create_function_url_config(FunctionName="echo",
                                                     AuthType="NONE")["FunctionUrl"]
        cls.url_id = URL_RE.match(cls.url).group(1)
        cls.path_url = "%s/_nimbus-lambda/url/%s/" % (cls.n.endpoint, cls.url_id)

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def via_host(self, path="", **kw):
        """urllib to 127.0.0.1 with the URL's Host (urllib cannot resolve *.localhost)."""
        headers = dict(kw.pop("headers", {}))
        headers["Host"] = self.url.split("/")[2]
        return http(self.n.endpoint + "/" + path, headers=headers, **kw)

    def test_json_event_with_curl(self):
        status, head, body = curl(self.url + "some/path?mode=echo&b=2&b=3&sp=a%20b",
                                  "-H", "Content-Type: application/json", "-H", "X-Dup: 1",
                                  "-H", "X-Dup: 2", "-H", "Cookie: c1=v1; c2=v2",
                                  "-A", "curl-test", "--data-binary", '{"k": "v"}')
        self.assertEqual(status, 200, body)
        self.assertIn("x-amzn-RequestId", head)
        event = json.loads(body)
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "$default")
        self.assertEqual(event["rawPath"], "/some/path")
        self.assertEqual(event["rawQueryString"], "mode=echo&b=2&b=3&sp=a%20b")
        self.assertEqual(event["queryStringParameters"], {"mode": "echo", "b": "2,3", "sp": "a b"})
        self.assertEqual(event["cookies"], ["c1=v1", "c2=v2"])
        self.assertNotIn("cookie", event["headers"])
        self.assertEqual(event["headers"]["x-dup"], "1,2")
        self.assertEqual(event["headers"]["content-type"], "application/json")
        self.assertEqual(event["body"], '{"k": "v"}')
        self.assertFalse(event["isBase64Encoded"])
        ctx = event["requestContext"]
        self.assertEqual(ctx["http"], {"method": "POST", "path": "/some/path",
                                       "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                       "userAgent": "curl-test"})
        self.assertEqual(ctx["accountId"], "anonymous")
        self.assertEqual(ctx["apiId"], self.url_id)
        self.assertEqual(ctx["domainPrefix"], self.url_id)
        self.assertEqual(ctx["domainName"], "%s.lambda-url.us-east-1.localhost" % self.url_id)
        self.assertRegex(ctx["time"], r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$")
        self.assertIsInstance(ctx["timeEpoch"], int)
        self.assertNotIn("authorizer", ctx)

    def test_gzip_binary_body_round_trips_through_base64(self):
        payload = gzip.compress(bytes(range(256)) * 64)
        status, headers, body = self.via_host("bin?mode=binary", method="POST", data=payload,
                                              headers={"Content-Type": "application/gzip"})
        self.assertEqual(status, 201)
        self.assertEqual(body, payload)
        self.assertEqual(headers["Content-Type"], "application/octet-stream")
        self.assertEqual(headers["x-len"], str(len(payload)))
        self.assertEqual(gzip.decompress(body), bytes(range(256)) * 64)
        # The event carried it base64-encoded, as Lambda does for binary types.
        status, _, body = self.via_host("?mode=echo", method="POST", data=payload,
                                        headers={"Content-Type": "application/gzip"})
        event = json.loads(body)
        self.assertTrue(event["isBase64Encoded"])
        self.assertEqual(base64.b64decode(event["body"]), payload)
        # Form bodies and bodies without a type are not text to Lambda either.
        status, _, body = self.via_host("?mode=echo", method="POST", data=b"a=1&b=2",
                                        headers={"Content-Type":
                                                 "application/x-www-form-urlencoded"})
        self.assertTrue(json.loads(body)["isBase64Encoded"])

    def test_path_form_for_clients_that_cannot_set_host(self):
        status, _, body = http(self.path_url + "deep/er?mode=echo")
        self.assertEqual(status, 200)
        event = json.loads(body)
        self.assertEqual(event["rawPath"], "/deep/er")
        self.assertEqual(event["requestContext"]["http"]["method"], "GET")
        self.assertNotIn("body", event)
        status, _, body = http(self.path_url[:-1] + "?mode=string")
        self.assertEqual((status, body), (200, b"just a string"))

    def test_response_inference_cookies_and_errors(self):
        status, headers, body = self.via_host("?mode=cookies")
        self.assertEqual((status, body), (200, b"with cookies"))
        self.assertEqual(headers.get_all("Set-Cookie"), ["a=1; Path=/", "b=2; HttpOnly"])
        self.assertEqual(headers["x-multi"], "v")
        status, headers, body = self.via_host("?mode=string")
        self.assertEqual((status, body), (200, b"just a string"))
        self.assertEqual(headers["Content-Type"], "application/json")
        status, headers, body = self.via_host("?mode=dict")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"message": "no status code"})
        self.assertEqual(self.via_host("?mode=number")[2], b"42")
        self.assertEqual(self.via_host("?mode=status")[:1], (418,))
        status, headers, body = self.via_host("?mode=raise")
        self.assertEqual((status, body), (502, b"Internal Server Error"))
        self.assertIn("x-amzn-RequestId", headers)

    def test_unknown_url_and_other_region(self):
        status, headers, body = http(self.n.endpoint + "/", headers={
            "Host": "%s.lambda-url.us-east-1.localhost" % ("0" * 32)})
        self.assertEqual(status, 403)
        self.assertEqual(headers["x-amzn-ErrorType"], "AccessDeniedException")
        status, _, _ = http(self.n.endpoint + "/", headers={
            "Host": "%s.lambda-url.eu-west-1.localhost" % self.url_id})
        self.assertEqual(status, 403)
        self.assertEqual(http("%s/_nimbus-lambda/url/%s/" % (self.n.endpoint, "x" * 32))[0], 403)

    def test_cors_preflight_and_headers(self):
        create(self.lam, "corsfn", {"app.py": ECHO_PY})
        url = self.lam.create_function_url_config(
            FunctionName="corsfn", AuthType="NONE",
            Cors={"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
                  "AllowHeaders": ["x-custom"], "ExposeHeaders": ["x-multi"], "MaxAge": 300,
                  "AllowCredentials": True})["FunctionUrl"]
        status, head, body = curl("-X", "OPTIONS", url, "-H", "Origin: https://app.example",
                                  "-H", "Access-Control-Request-Method: POST",
                                  "-H", "Access-Control-Request-Headers: x-custom")
        self.assertEqual(status, 200)
        lower = head.lower()
        self.assertIn("access-control-allow-origin: https://app.example", lower)
        self.assertIn("access-control-allow-methods: get,post", lower)
        self.assertIn("access-control-allow-headers: x-custom", lower)
        self.assertIn("access-control-max-age: 300", lower)
        self.assertIn("access-control-allow-credentials: true", lower)
        self.assertEqual(body, b"")
        status, head, _ = curl("-X", "OPTIONS", url, "-H", "Origin: https://evil.example",
                               "-H", "Access-Control-Request-Method: POST")
        self.assertEqual(status, 200)
        self.assertNotIn("access-control-allow-origin", head.lower())
        status, head, body = curl(url + "?mode=cookies", "-H", "Origin: https://app.example")
        self.assertEqual((status, body), (200, b"with cookies"))
        self.assertIn("access-control-allow-origin: https://app.example", head.lower())
        self.assertIn("access-control-expose-headers: x-multi", head.lower())

    def test_node_runtime(self):
        create(self.lam, "nodeurl", {"index.js": NODE_HANDLER}, runtime="nodejs20.x",
               handler="index.handler")
        url = self.lam.create_function_url_config(FunctionName="nodeurl",
                                                  AuthType="NONE")["FunctionUrl"]
        status, head, body = curl("-X", "PUT", url + "x/y?z=1")
        self.assertEqual((status, body), (200, b"node PUT /x/y z=1"))
        self.assertIn("set-cookie: n=1", head.lower())
        self.assertIn("x-runtime: node", head.lower())

    def test_response_stream_mode(self):
        create(self.lam, "streamer", {"bootstrap": (STREAM_BOOTSTRAP, 0o755)},
               runtime="provided.al2023", handler="unused", Timeout=30)
        url = self.lam.create_function_url_config(FunctionName="streamer", AuthType="NONE",
                                                  InvokeMode="RESPONSE_STREAM")["FunctionUrl"]
        status, head, body = curl(url + "streamed")
        self.assertEqual(status, 207, body)
        self.assertEqual(body, b"part 0;part 1;part 2;")
        lower = head.lower()
        self.assertIn("transfer-encoding: chunked", lower)
        self.assertIn("content-type: text/plain", lower)
        self.assertIn("x-path: /streamed", lower)
        self.assertIn("set-cookie: s=1", lower)
        # The Node runtime's awslambda.streamifyResponse and HttpResponseStream.from.
        create(self.lam, "nodestream", {"index.js": NODE_STREAMING}, runtime="nodejs20.x",
               handler="index.handler", Timeout=30)
        url = self.lam.create_function_url_config(FunctionName="nodestream", AuthType="NONE",
                                                  InvokeMode="RESPONSE_STREAM")["FunctionUrl"]
        status, head, body = curl(url)
        self.assertEqual((status, body), (201, b"node 0;node 1;node 2;"))
        self.assertIn("x-node: streamed", head.lower())
        self.assertIn("set-cookie: ns=1", head.lower())
        status, _, body = curl(url + "?fail")  # the head is out: the body just ends
        self.assertEqual((status, body), (201, b"node 0;node 1;node 2;"))
        # Invoke of the same function buffers the stream, prelude included.
        out = self.lam.invoke(FunctionName="nodestream", Payload=b"{}")
        self.assertEqual(out["Payload"].read().split(b"\0" * 8)[1], b"node 0;node 1;node 2;")
        # A buffered function behind a RESPONSE_STREAM URL answers as a BUFFERED one.
        self.lam.update_function_url_config(FunctionName="echo", InvokeMode="RESPONSE_STREAM")
        self.addCleanup(self.lam.update_function_url_config, FunctionName="echo",
                        InvokeMode="BUFFERED")
        status, headers, body = self.via_host("?mode=binary", method="POST", data=b"\x00\x01",
                                              headers={"Content-Type": "image/png"})
        self.assertEqual((status, body), (201, b"\x00\x01"))
        self.assertEqual(self.via_host("?mode=raise")[0], 502)


class LambdaUrlStrictAuth(unittest.TestCase):
    KEY, SECRET, ACCOUNT = "AKIAURLTESTKEY000001", "url-test-secret", "111111111111"

    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().with_credentials("%s %s %s\nAKIAOTHERACCOUNT0001 other 222222222222\n" %
                                          (cls.KEY, cls.SECRET, cls.ACCOUNT)).start()
        cls.lam = cls.n.client("lambda", access_key=cls.KEY, secret_key=cls.SECRET,
                               read_timeout=60)
        create(cls.lam, "private", {"app.py": ECHO_PY})
        cls.url = cls.lam.create_function_url_config(FunctionName="private",
                                                     AuthType="AWS_IAM")["FunctionUrl"]
        create(cls.lam, "public", {"app.py": ECHO_PY})
        cls.public = cls.lam.create_function_url_config(FunctionName="public",
                                                        AuthType="NONE")["FunctionUrl"]

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def signed(self, url, key=None, secret=None, body=b'{"a": 1}', tamper=False):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        req = AWSRequest(method="POST", url=url + "?mode=echo", data=body,
                         headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(key or self.KEY, secret or self.SECRET), "lambda",
                  "us-east-1").add_auth(req)
        headers = dict(req.headers.items())
        headers["Host"] = url.split("/")[2]
        if tamper:
            body = body + b" "
        return http(self.n.endpoint + "/?mode=echo", method="POST", data=body, headers=headers)

    def test_signed_request_reaches_the_function_with_its_caller(self):
        status, _, body = self.signed(self.url)
        self.assertEqual(status, 200, body)
        ctx = json.loads(body)["requestContext"]
        self.assertEqual(ctx["accountId"], self.ACCOUNT)
        iam = ctx["authorizer"]["iam"]
        self.assertEqual(iam["accessKey"], self.KEY)
        self.assertEqual(iam["accountId"], self.ACCOUNT)

    def test_unsigned_bad_and_foreign_signatures_are_refused(self):
        status, headers, body = curl(self.url + "?mode=echo")
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body), {"Message": "Forbidden"})
        self.assertIn("x-amzn-errortype: accessdeniedexception", headers.lower())
        status, headers, body = self.signed(self.url, tamper=True)
        self.assertEqual(status, 403)
        self.assertEqual(headers["x-amzn-ErrorType"], "InvalidSignatureException")
        status, _, _ = self.signed(self.url, secret="wrong")
        self.assertEqual(status, 403)
        status, _, _ = self.signed(self.url, key="AKIAOTHERACCOUNT0001", secret="other")
        self.assertEqual(status, 403)

    def test_none_urls_need_no_signature_in_strict_mode(self):
        status, _, body = curl(self.public + "?mode=string")
        self.assertEqual((status, body), (200, b"just a string"))


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
            status, _, body = http("%s/_nimbus-lambda/url/%s/?mode=string" % (n.endpoint, url_id))
            self.assertEqual((status, body), (200, b"just a string"))
            # An alias's URL serves the alias's version and goes away with the alias.
            lam.publish_version(FunctionName="keep")
            lam.create_alias(FunctionName="keep", Name="prod", FunctionVersion="1")
            alias_url = lam.create_function_url_config(FunctionName="keep", Qualifier="prod",
                                                       AuthType="NONE")["FunctionUrl"]
            alias_id = URL_RE.match(alias_url).group(1)
            status, _, body = http("%s/_nimbus-lambda/url/%s/?mode=echo" % (n.endpoint, alias_id))
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(body)["requestContext"]["apiId"], alias_id)
            lam.delete_alias(FunctionName="keep", Name="prod")
            self.assertEqual(len(lam.list_function_url_configs(
                FunctionName="keep")["FunctionUrlConfigs"]), 1)
            self.assertEqual(http("%s/_nimbus-lambda/url/%s/" % (n.endpoint, alias_id))[0], 403)
            lam.delete_function(FunctionName="keep")
            create(lam, "keep", {"app.py": ECHO_PY})
            with self.assertRaises(ClientError):
                lam.get_function_url_config(FunctionName="keep")


if __name__ == "__main__":
    unittest.main()
