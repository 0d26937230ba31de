"""Helpers for the SNS tests: a local HTTP endpoint that records what SNS POSTs, and a signature
check written from the AWS developer guide (the string to sign of reference G.3)."""
import base64
import json
import os
import ssl
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding


class Endpoint:
    """An HTTP server on 127.0.0.1 recording every POST as (monotonic time, headers, body);
    `fail` POSTs are answered 500 first (then 200)."""

    def __init__(self, fail=0):
        self.received = []
        self.fail = fail
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.received.append((time.monotonic(), dict(self.headers), body.decode()))
                    failing = outer.fail > 0
                    if failing:
                        outer.fail -= 1
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # nimbus killed mid-connection (the kill -9 test)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def messages(self, kind=None):
        with self.lock:
            out = [(t, h, json.loads(b) if b.startswith("{") else b) for t, h, b in self.received]
        if kind:
            out = [m for m in out if m[1].get("x-amz-sns-message-type") == kind]
        return out

    def wait(self, count, kind=None, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages(kind)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError("expected %d %s messages, got %r" % (count, kind, self.messages()))


SIGNED = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                 "TopicArn", "Type"],
}
SIGNED["UnsubscribeConfirmation"] = SIGNED["SubscriptionConfirmation"]


def ca_path(nimbus):
    """nimbus's local CA, which its https port's certificate chains to."""
    return os.path.join(nimbus.data_dir, "sns", "tls", "ca.pem")


def verify(message, nimbus):
    """Fetches SigningCertURL (https, trusting nimbus's CA only) and checks Signature over AWS's
    string to sign; raises if bad."""
    assert message["SigningCertURL"].startswith("https://localhost:"), message["SigningCertURL"]
    text = ""
    for key in SIGNED[message["Type"]]:
        if key in message:
            text += key + "\n" + message[key] + "\n"
    context = ssl.create_default_context(cafile=ca_path(nimbus))
    pem = urllib.request.urlopen(message["SigningCertURL"], context=context).read()
    cert = x509.load_pem_x509_certificate(pem)
    digest = hashes.SHA256() if message["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(message["Signature"]), text.encode(),
                             padding.PKCS1v15(), digest)
