"""The foundation seen by real clients: STS GetCallerIdentity with AWS CLI v1 and v2, boto3 and
the JS SDK; health; the access log; AWS-shaped errors for bad input; graceful shutdown."""
import json
import signal
import unittest
import urllib.request

from harness import Nimbus


class StsWithRealClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def assert_root_identity(self, out, account="000000000000"):
        self.assertEqual(out["Account"], account)
        self.assertEqual(out["Arn"], "arn:aws:iam::%s:root" % account)
        self.assertEqual(out["UserId"], account)

    def test_aws_cli_v1(self):
        self.assert_root_identity(self.n.aws("sts", "get-caller-identity"))

    def test_aws_cli_v2(self):
        self.assert_root_identity(self.n.aws("sts", "get-caller-identity", v2=True))

    def test_boto3(self):
        self.assert_root_identity(self.n.client("sts").get_caller_identity())

    def test_js_sdk(self):
        res = self.n.node("sts_identity.mjs")
        self.assert_root_identity(json.loads(res.stdout))

    def test_twelve_digit_access_key_is_the_account(self):
        out = self.n.client("sts", access_key="123456789012").get_caller_identity()
        self.assert_root_identity(out, "123456789012")

    def test_health(self):
        with urllib.request.urlopen(self.n.endpoint + "/_nimbus/health") as r:
            body = json.load(r)
        self.assertEqual(body["status"], "ok")
        self.assertIn("sts", body["services"])
        self.assertIn("version", body)
        self.assertGreaterEqual(body["uptime_seconds"], 0)

    def test_access_log_line(self):
        meta = self.n.client("sts").get_caller_identity()["ResponseMetadata"]
        rid = meta["RequestId"]
        line = self.n.wait_for_log(rid)
        self.assertIn('"POST / HTTP/1.1" 200 ', line)
        self.assertIn("STS.GetCallerIdentity", line)
        self.assertRegex(line, r"^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] ")
        self.assertRegex(line, r" \d+\.\d{3}ms STS\.GetCallerIdentity " + rid + "$")

    def test_unknown_action_is_invalid_action(self):
        sts = self.n.client("sts")
        body = "Action=NoSuchThing&Version=2011-06-15"
        req = urllib.request.Request(
            self.n.endpoint + "/", data=body.encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/"
                                      "aws4_request, SignedHeaders=host, Signature=00"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req)
        self.assertEqual(cm.exception.code, 400)
        xml = cm.exception.read().decode()
        self.assertIn("<Code>InvalidAction</Code>", xml)
        self.assertIn("<ErrorResponse", xml)
        del sts

    def test_unimplemented_operation_is_501_naming_it(self):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            self.n.client("sts").get_federation_token(Name="bob")
        err = cm.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 501)
        self.assertEqual(err["Error"]["Code"], "NotImplemented")
        self.assertIn("STS.GetFederationToken", err["Error"]["Message"])

    def test_malformed_http_gets_400_and_server_keeps_serving(self):
        out = self.n.raw(b"THIS IS NOT HTTP\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out)
        out = self.n.raw(b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431 "), out[:100])
        out = self.n.raw(b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 413 "), out[:100])
        self.assert_root_identity(self.n.client("sts").get_caller_identity())

    def test_keep_alive_and_expect_continue(self):
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        req = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        import socket
        with socket.create_connection((self.n.host, self.n.port), timeout=5) as s:
            s.sendall(req)
            self.assertEqual(s.recv(25), b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(body)
            first = s.recv(65536)
            self.assertTrue(first.startswith(b"HTTP/1.1 200 OK"), first)
            self.assertIn(b"<Account>000000000000</Account>", first)
            # Same connection again, chunked this time.
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                      b"15\r\nAction=GetCallerIdent\r\n16\r\nity&Version=2011-06-15\r\n0\r\n\r\n")
            second = s.recv(65536)
            self.assertIn(b"<Account>000000000000</Account>", second)


class Lifecycle(unittest.TestCase):
    def test_ready_line_once_and_sigterm_exits_zero(self):
        n = Nimbus().start()
        self.assertRegex(n.ready_line, r"^nimbus ready on http://127\.0\.0\.1:\d+$")
        n.client("sts").get_caller_identity()
        self.assertFalse(any(l.startswith("nimbus ready") for l in n.lines))
        self.assertEqual(n.stop(signal.SIGTERM), 0)

    def test_sigint_exits_zero(self):
        n = Nimbus().start()
        self.assertEqual(n.stop(signal.SIGINT), 0)

    def test_json_log_format(self):
        with Nimbus("--log-format", "json") as n:
            rid = n.client("sts").get_caller_identity()["ResponseMetadata"]["RequestId"]
            entry = json.loads(n.wait_for_log(rid))
            self.assertEqual(entry["operation"], "STS.GetCallerIdentity")
            self.assertEqual(entry["status"], 200)
            self.assertEqual(entry["method"], "POST")
            self.assertEqual(entry["request_id"], rid)
            self.assertIn("latency_ms", entry)
            self.assertIn("bytes", entry)


if __name__ == "__main__":
    unittest.main()
