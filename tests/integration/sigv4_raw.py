"""Raw SigV4 requests for strict-mode tests: signed with botocore's own signers (SigV4Auth,
SigV4QueryAuth), then sent byte for byte over a socket, so a test can tamper with any part
after signing (drop a header, change the body, forge the scope) and see what nimbus answers."""
import datetime
import re
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import exchange


class Raw:
    """An HTTP/1.1 request as sent: method, target (path?query), ordered header pairs, body."""

    def __init__(self, method, target, headers, body=b""):
        self.method = method
        self.target = target
        self.headers = list(headers)
        self.body = body if isinstance(body, bytes) else body.encode()

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set(self, name, value):
        """Replaces every `name` header with one (appended), or removes them when value is None."""
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))
        return self

    def encode(self, content_length=True):
        lines = ["%s %s HTTP/1.1" % (self.method, self.target)]
        lines += ["%s: %s" % (k, v) for k, v in self.headers]
        if content_length and self.header("Content-Length") is None and (
                self.body or self.method in ("POST", "PUT", "PATCH")):
            lines.append("Content-Length: %d" % len(self.body))
        if self.header("Connection") is None:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def now(delta=0):
    """UTC now (+ delta seconds), naive, as botocore's signer takes it."""
    return (datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) +
            datetime.timedelta(seconds=delta))


def _frozen(when):
    return mock.patch("botocore.auth.get_current_datetime", return_value=when)


def sign(method, host, target, headers, body, service, region, key, secret, token=None,
         when=None):
    """Signs like botocore's SigV4Auth (every header but the usual blacklist, plus host) and
    returns the Raw request with X-Amz-Date, X-Amz-Security-Token and Authorization added."""
    when = when or now()
    body = body if isinstance(body, bytes) else body.encode()
    req = AWSRequest(method=method, url="http://%s%s" % (host, target), data=body,
                     headers=dict(headers) if isinstance(headers, dict) else None)
    if not isinstance(headers, dict):
        for k, v in headers:  # keeps repeated names (HTTPHeaders appends)
            req.headers[k] = v
    if req.headers.get("Host") is None:
        req.headers["Host"] = host
    with _frozen(when):
        botocore.auth.SigV4Auth(Credentials(key, secret, token), service, region).add_auth(req)
    out = [(k, v if isinstance(v, str) else v.decode()) for k, v in req.headers.items()]
    return Raw(method, target, out, body)


def presign(method, host, target, service, region, key, secret, expires=60, token=None,
            when=None):
    """A presigned URL's request, as botocore's SigV4QueryAuth builds it (signed header: host)."""
    when = when or now()
    req = AWSRequest(method=method, url="http://%s%s" % (host, target))
    req.headers["Host"] = host
    with _frozen(when):
        botocore.auth.SigV4QueryAuth(Credentials(key, secret, token), service, region,
                                     expires=expires).add_auth(req)
    url = req.url
    return Raw(method, url[url.index("/", len("http://")):], [("Host", host)])


def canonical_request(method, host, target, headers, body, service, region, when):
    """botocore's canonical request for the request `sign` would sign (for failure messages)."""
    body = body if isinstance(body, bytes) else body.encode()
    req = AWSRequest(method=method, url="http://%s%s" % (host, target), data=body)
    for k, v in headers:
        req.headers[k] = v
    if req.headers.get("Host") is None:
        req.headers["Host"] = host
    auth = botocore.auth.SigV4Auth(Credentials("k", "s"), service, region)
    req.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
    req.headers["X-Amz-Date"] = req.context["timestamp"]
    return auth.canonical_request(req)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def code(self):
        """The AWS error code in a query (XML) or JSON error body, or None."""
        m = re.search(rb"<Code>([^<]+)</Code>", self.body)
        if m:
            return m.group(1).decode()
        m = re.search(rb'"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"', self.body)
        return m.group(1).decode() if m else self.headers.get("x-amzn-errortype", "").split(":")[0] or None

    def message(self):
        m = re.search(rb"<Message>([^<]*)</Message>", self.body) or re.search(
            rb'"[Mm]essage"\s*:\s*"((?:[^"\\]|\\.)*)"', self.body)
        return m.group(1).decode() if m else None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


def send(host, port, data, timeout=10):
    """Sends `data` (bytes or Raw) on a new connection; parses the answer read until close."""
    return parse_response(exchange(host, port, data.encode() if isinstance(data, Raw) else data,
                                   timeout))


def parse_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    m = re.match(r"HTTP/1\.\d (\d{3})", lines[0] if lines else "")
    status = int(m.group(1)) if m else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2:]
        body = out
    return Response(status, headers, body)
