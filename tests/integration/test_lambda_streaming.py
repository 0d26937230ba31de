"""Lambda response streaming: InvokeWithResponseStream (boto3's EventStream, the JS SDK v3)
against a provided.al2023 function whose bootstrap streams chunked responses with error
trailers, and Invoke of the same function (buffered, trailers as X-Amz-Function-Error)."""
import base64
import json
import os
import shutil
import socket
import time
import unittest

from botocore.exceptions import ClientError

from harness import HERE, Nimbus
from lambda_util import create, invoke

# A custom runtime that streams. The event says what to do:
#   {"steps": [{"write": "text"} | {"sleep": s}], "error": "Type"}  stream (+ error trailers)
#   {"buffered": "text"}   an ordinary (Content-Length) response
#   {"fail": "Type"}       POST .../error before any byte
#   {"context": true}      streams the client context it was given
#   {"mode": "bogus"}      a response with an invalid response mode (then a valid one)
BOOTSTRAP = r"""#!/usr/bin/env python3
import base64, http.client, json, os, socket, sys, time
API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, PORT = API.split(":")
BASE = "/2018-06-01/runtime/invocation/"

def post(path, body, headers=None):
    c = http.client.HTTPConnection(HOST, int(PORT))
    c.request("POST", path, body=body, headers=headers or {})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status

def stream(rid, steps, error=None, mode="streaming"):
    s = socket.create_connection((HOST, int(PORT)))
    head = ("POST %s%s/response HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\n"
            "Lambda-Runtime-Function-Response-Mode: %s\r\nTransfer-Encoding: chunked\r\n"
            "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n"
            % (BASE, rid, API, mode))
    s.sendall(head.encode())
    for step in steps:
        if "write" in step:
            data = step["write"].encode()
            s.sendall(b"%x\r\n%s\r\n" % (len(data), data))
        if "sleep" in step:
            time.sleep(step["sleep"])
    last = b"0\r\n"
    if error:
        body = json.dumps({"errorType": error, "errorMessage": "broke mid-stream"}).encode()
        last += b"Lambda-Runtime-Function-Error-Type: " + error.encode() + b"\r\n"
        last += b"Lambda-Runtime-Function-Error-Body: " + base64.b64encode(body) + b"\r\n"
    s.sendall(last + b"\r\n")
    answer = s.recv(4096)
    s.close()
    return answer.split(b" ")[1].decode() if answer else ""

while True:
    c = http.client.HTTPConnection(HOST, int(PORT))
    c.request("GET", BASE + "next")
    r = c.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    context = r.getheader("Lambda-Runtime-Client-Context") or ""
    c.close()
    print("handling", rid, flush=True)
    if "buffered" in event:
        post(BASE + rid + "/response", event["buffered"].encode())
    elif "fail" in event:
        post(BASE + rid + "/error",
             json.dumps({"errorType": event["fail"], "errorMessage": "failed early"}).encode(),
             {"Lambda-Runtime-Function-Error-Type": event["fail"]})
    elif "context" in event:
        stream(rid, [{"write": context}])
    elif "mode" in event:
        status = stream(rid, [{"write": "x"}], mode=event["mode"])
        stream(rid, [{"write": "mode answered " + status}])
    else:
        stream(rid, event.get("steps", []), event.get("error"))
"""

EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream"


def collect(resp):
    """(chunks with arrival times, InvokeComplete) from a boto3 InvokeWithResponseStream."""
    chunks, complete = [], None
    for event in resp["EventStream"]:
        if "PayloadChunk" in event:
            chunks.append((time.monotonic(), event["PayloadChunk"]["Payload"]))
        elif "InvokeComplete" in event:
            complete = event["InvokeComplete"]
    return chunks, complete


class LambdaStreaming(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.lam = cls.n.client("lambda", read_timeout=30)
        create(cls.lam, "streamer", {"bootstrap": (BOOTSTRAP, 0o755)}, runtime="provided.al2023",
               handler="unused", Timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def stream(self, name="streamer", payload=None, **kw):
        return self.lam.invoke_with_response_stream(
            FunctionName=name, Payload=json.dumps(payload if payload is not None else {}), **kw)

    def test_chunks_arrive_as_payload_chunk_events_then_invoke_complete(self):
        resp = self.stream(payload={"steps": [{"write": "one "}, {"write": "two "},
                                              {"write": "three"}]})
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp["ExecutedVersion"], "$LATEST")
        self.assertEqual(resp["ResponseStreamContentType"], EVENT_STREAM_TYPE)
        headers = resp["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers["content-type"], EVENT_STREAM_TYPE)
        self.assertEqual(headers.get("transfer-encoding"), "chunked")
        chunks, complete = collect(resp)
        self.assertEqual(b"".join(c for _, c in chunks), b"one two three")
        self.assertEqual(complete, {})

    def test_first_chunk_arrives_before_the_function_finishes(self):
        started = time.monotonic()
        resp = self.stream(payload={"steps": [{"write": "early"}, {"sleep": 1.5},
                                              {"write": "late"}]})
        chunks, complete = collect(resp)
        self.assertEqual([c for _, c in chunks], [b"early", b"late"])
        self.assertEqual(complete, {})
        # "early" reached the client while the function still slept.
        self.assertGreaterEqual(chunks[1][0] - chunks[0][0], 1.0)
        self.assertLess(chunks[0][0] - started, chunks[1][0] - started - 1.0)

    def test_buffered_response_is_one_chunk(self):
        text = "x" * 100000
        chunks, complete = collect(self.stream(payload={"buffered": text}))
        self.assertEqual(len(chunks), 1)
        self.assertEqual(chunks[0][1], text.encode())
        self.assertEqual(complete, {})

    def test_error_trailers_go_into_invoke_complete(self):
        chunks, complete = collect(self.stream(payload={"steps": [{"write": "partial"}],
                                                        "error": "Test.MidStream"}))
        self.assertEqual([c for _, c in chunks], [b"partial"])
        self.assertEqual(complete, {"ErrorCode": "Test.MidStream",
                                    "ErrorDetails": "broke mid-stream"})

    def test_error_trailers_in_a_plain_invoke(self):
        r = invoke(self.lam, "streamer", {"steps": [{"write": "partial"}], "error": "Test.MidStream"})
        self.assertEqual(r["StatusCode"], 200)
        self.assertEqual(r["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(r["Body"]), {"errorType": "Test.MidStream",
                                                 "errorMessage": "broke mid-stream"})
        ok = invoke(self.lam, "streamer", {"steps": [{"write": "a"}, {"write": "b"}]})
        self.assertNotIn("FunctionError", ok)
        self.assertEqual(ok["Body"], b"ab")

    def test_error_before_the_first_byte(self):
        chunks, complete = collect(self.stream(payload={"fail": "Test.Early"}))
        self.assertEqual(chunks, [])
        self.assertEqual(complete, {"ErrorCode": "Test.Early", "ErrorDetails": "failed early"})

    def test_timeout_mid_stream(self):
        create(self.lam, "slow-streamer", {"bootstrap": (BOOTSTRAP, 0o755)},
               runtime="provided.al2023", handler="unused", Timeout=2)
        chunks, complete = collect(self.stream("slow-streamer", {"steps": [
            {"write": "started"}, {"sleep": 6}, {"write": "never"}]}))
        self.assertEqual([c for _, c in chunks], [b"started"])
        self.assertEqual(complete["ErrorCode"], "Sandbox.Timedout")
        self.assertIn("Task timed out after 2.00 seconds", complete["ErrorDetails"])
        # The function still answers afterwards (a fresh environment).
        chunks, complete = collect(self.stream("slow-streamer", {"steps": [{"write": "again"}]}))
        self.assertEqual([c for _, c in chunks], [b"again"])

    def test_tail_log_result_qualifier_and_client_context(self):
        resp = self.stream(payload={"steps": [{"write": "logged"}]}, LogType="Tail")
        rid = resp["ResponseMetadata"]["RequestId"]
        chunks, complete = collect(resp)
        log = base64.b64decode(complete["LogResult"]).decode()
        self.assertIn("START RequestId: %s Version: $LATEST" % rid, log)
        self.assertIn("handling " + rid, log)
        self.assertIn("END RequestId: " + rid, log)
        version = self.lam.publish_version(FunctionName="streamer")["Version"]
        resp = self.stream(payload={"steps": [{"write": "v"}]}, Qualifier=version)
        self.assertEqual(resp["ExecutedVersion"], version)
        self.assertEqual(b"".join(c for _, c in collect(resp)[0]), b"v")
        context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
        chunks, _ = collect(self.stream(payload={"context": True}, ClientContext=context))
        self.assertEqual(json.loads(b"".join(c for _, c in chunks)), {"custom": {"k": "v"}})

    def test_dry_run(self):
        resp = self.stream(InvocationType="DryRun")
        self.assertEqual(resp["StatusCode"], 204)
        self.assertEqual(resp["ExecutedVersion"], "$LATEST")

    def test_invalid_response_mode_is_rejected(self):
        chunks, complete = collect(self.stream(payload={"mode": "bogus"}))
        self.assertEqual(b"".join(c for _, c in chunks), b"mode answered 400")
        self.assertEqual(complete, {})

    def test_errors_before_the_stream_are_aws_errors(self):
        def code(**kw):
            with self.assertRaises(ClientError) as cm:
                self.lam.invoke_with_response_stream(**kw)
            e = cm.exception.response
            return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]
        self.assertEqual(code(FunctionName="nope"), ("ResourceNotFoundException", 404))
        self.assertEqual(code(FunctionName="streamer", Qualifier="99"),
                         ("ResourceNotFoundException", 404))
        self.assertEqual(code(FunctionName="streamer", InvocationType="Event"),
                         ("InvalidParameterValueException", 400))
        self.assertEqual(code(FunctionName="streamer", Payload=b"{not json"),
                         ("InvalidRequestContentException", 400))
        self.assertEqual(code(FunctionName="streamer", ClientContext="%%%"),
                         ("InvalidRequestContentException", 400))
        self.assertEqual(code(FunctionName="streamer", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"'),
                         ("RequestEntityTooLargeException", 413))
        create(self.lam, "throttled", {"bootstrap": (BOOTSTRAP, 0o755)},
               runtime="provided.al2023", handler="unused")
        self.lam.put_function_concurrency(FunctionName="throttled",
                                          ReservedConcurrentExecutions=0)
        self.assertEqual(code(FunctionName="throttled"), ("TooManyRequestsException", 429))

    def test_client_going_away_mid_stream_does_not_hurt(self):
        body = json.dumps({"steps": [{"write": "a"}, {"sleep": 1}, {"write": "b" * 100000}]})
        req = ("POST /2021-11-15/functions/streamer/response-streaming-invocations HTTP/1.1\r\n"
               "Host: %s:%d\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
               "Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/lambda/"
               "aws4_request, SignedHeaders=host, Signature=00\r\n\r\n%s"
               % (self.n.host, self.n.port, len(body), body))
        with socket.create_connection((self.n.host, self.n.port), timeout=10) as s:
            s.sendall(req.encode())
            head = s.recv(65536)
        self.assertIn(b"HTTP/1.1 200", head)
        self.assertIn(b"Transfer-Encoding: chunked", head)
        time.sleep(1.5)  # the function finishes writing into a closed connection
        chunks, complete = collect(self.stream(payload={"steps": [{"write": "fine"}]}))
        self.assertEqual([c for _, c in chunks], [b"fine"])

    @unittest.skipUnless(shutil.which("node") and os.path.isdir(
        os.path.join(HERE, "js", "node_modules", "@aws-sdk", "client-lambda")),
        "node or @aws-sdk/client-lambda missing (make test installs them)")
    def test_js_sdk(self):
        res = self.n.node("lambda_stream.mjs", "streamer", json.dumps(
            {"steps": [{"write": "js "}, {"write": "sdk"}], "error": "Test.Js"}))
        out = json.loads(res.stdout)
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["ResponseStreamContentType"], EVENT_STREAM_TYPE)
        self.assertEqual(out["payload"], "js sdk")
        self.assertEqual(out["complete"]["ErrorCode"], "Test.Js")
        self.assertEqual(out["complete"]["ErrorDetails"], "broke mid-stream")


if __name__ == "__main__":
    unittest.main()
