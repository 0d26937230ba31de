#!/usr/bin/env python3
"""Smoke test of the packaged examples without nimbus: unzips each zip, runs its bootstrap
against a fake Runtime API (Python stdlib), checks the answers, then stops it with SIGTERM.
Usage: smoke_test.py hello-cpp.zip binary-cpp.zip"""
import base64
import gzip
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import zipfile


class FakeRuntimeApi(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, events):
        super().__init__(("127.0.0.1", 0), Handler)
        self.events = list(events)  # (request_id, payload bytes)
        self.results = {}  # request_id -> (kind, headers, body)
        self.done = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b'{"status":"OK"}', headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        srv = self.server
        with srv.lock:
            event = srv.events.pop(0) if srv.events else None
        if event is None:
            srv.release.wait(30)  # the runtime waits here until SIGTERM
            self.close_connection = True
            return
        rid, payload = event
        self.reply(200, payload, [("Lambda-Runtime-Aws-Request-Id", rid),
                                  ("Lambda-Runtime-Deadline-Ms", "4102444800000"),
                                  ("Lambda-Runtime-Trace-Id", "Root=1-abc;Sampled=0"),
                                  ("Content-Type", "application/json")])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path.split("/")  # /2018-06-01/runtime/invocation/<id>/<kind>
        srv = self.server
        with srv.lock:
            srv.results[parts[4]] = (parts[5], dict(self.headers), body)
            if not srv.events and len(srv.results) == srv.expected:
                srv.done.set()
        self.reply(202)


def run(zip_path, events):
    srv = FakeRuntimeApi(events)
    srv.expected = len(events)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as task:
        with zipfile.ZipFile(zip_path) as zf:
            for info in zf.infolist():  # keep the Unix permissions zipfile would drop
                path = zf.extract(info, task)
                os.chmod(path, (info.external_attr >> 16) & 0o777)
        env = {"PATH": "/usr/bin:/bin", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % srv.server_port,
               "LAMBDA_TASK_ROOT": task, "_HANDLER": "handler"}
        proc = subprocess.Popen([os.path.join(task, "bootstrap")], env=env, cwd="/")
        try:
            if not srv.done.wait(60):
                raise AssertionError("the function did not answer every event")
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
            srv.release.set()
            srv.shutdown()
    assert rc == 0, "exit code %d after SIGTERM" % rc
    return srv.results


def main(hello_zip, binary_zip):
    r = run(hello_zip, [("a", b'{"name":"Ada"}'), ("b", b"{}"), ("c", b"not json"),
                        ("d", b'{"name":"\\u00e9t\\u00e9"}')])
    assert r["a"][0] == "response" and json.loads(r["a"][2]) == {
        "message": "Hello, Ada!", "invocations": 1}, r["a"]
    assert json.loads(r["b"][2]) == {"message": "Hello, World!", "invocations": 2}, r["b"]
    assert r["c"][0] == "error" and json.loads(r["c"][2])["errorType"] == "Hello.InvalidEvent"
    assert json.loads(r["d"][2])["message"] == "Hello, \u00e9t\u00e9!", r["d"]
    print("hello-cpp: ok")

    big = "".join("line %d: the quick brown fox\n" % i for i in range(150000)).encode()
    events = [("small", json.dumps({"input": base64.b64encode(gzip.compress(b"hello world"))
                                    .decode()}).encode()),
              ("big", json.dumps({"input": base64.b64encode(gzip.compress(big)).decode()})
               .encode()),
              ("bad", b'{"input":"@@@@"}'), ("nogzip", b'{"input":"aGVsbG8="}')]
    r = run(binary_zip, events)
    small = json.loads(r["small"][2])
    assert small["length"] == 11 and gzip.decompress(base64.b64decode(small["output"])) == \
        b"HELLO WORLD", small
    out = json.loads(r["big"][2])
    assert out["length"] == len(big) and \
        gzip.decompress(base64.b64decode(out["output"])) == big.upper()
    assert json.loads(r["bad"][2])["errorType"] == "Binary.InvalidBase64"
    assert json.loads(r["nogzip"][2])["errorType"] == "Binary.InvalidGzip"
    print("binary-cpp: ok (big text %d bytes)" % len(big))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
