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

    def __init__(self, fail=0, tls=None):
        """`tls`: (certificate file, key file) to serve https on localhost."""
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
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.url = "https://localhost:%d/hook" % self.server.server_port
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


def issue_cert(directory, ca_cert_file, ca_key_file, name):
    """A certificate for localhost signed by the given CA (PEM files); returns (cert, key) paths
    written in `directory`."""
    import datetime
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    with open(ca_cert_file, "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    with open(ca_key_file, "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .sign(ca_key, hashes.SHA256()))
    cert_path = os.path.join(directory, name + ".pem")
    key_path = os.path.join(directory, name + "-key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()))
    return cert_path, key_path


def self_signed_ca(directory):
    """A CA nobody trusts: (cert, key) PEM paths."""
    import datetime
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "untrusted test CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, "untrusted-ca.pem")
    key_path = os.path.join(directory, "untrusted-ca-key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()))
    return cert_path, key_path


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
