#!/usr/bin/env python3
"""nimbus's Lambda runtime for python3.x handlers (stdlib only).

Speaks the Runtime API (2018-06-01) at $AWS_LAMBDA_RUNTIME_API, imports the handler named by
$_HANDLER ("module.function", module may be "dir/file" or "pkg.mod") from $LAMBDA_TASK_ROOT with
/opt/python on sys.path, and runs it once per invocation. Errors use AWS's shape
{"errorMessage", "errorType", "requestId", "stackTrace": [...]}.
"""

import importlib
import io
import json
import logging
import os
import socket
import sys
import time
import traceback

API_PREFIX = "/2018-06-01/runtime"
ERROR_CONTENT_TYPE = "application/vnd.aws.lambda.error+json"


class Headers(dict):
    """Response headers by lower-cased name; get() takes any case."""

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


class RuntimeClient:
    """One keep-alive connection to the Runtime API, spoken directly (http.client cannot
    pipeline): respond() and error() send GET /next in the same write, and the next next() only
    reads its answer, so an invocation costs one write and one wake-up. Reconnects once when
    the connection drops."""

    MAX_PIPELINED_BODY = 6 * 1024 * 1024  # larger responses are refused (413): no GET with them

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._address = (host.strip("[]") or "127.0.0.1", int(port))
        self._next_request = self._encode("GET", "/invocation/next", b"", {}, address)
        self._host = address
        self._sock = None
        self._buf = bytearray()
        self._next_sent = False

    @staticmethod
    def _encode(method, path, body, headers, host):
        lines = ["%s %s%s HTTP/1.1" % (method, API_PREFIX, path), "Host: " + host]
        lines += ["%s: %s" % kv for kv in headers.items()]
        if method != "GET":
            lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def _close(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock, self._buf, self._next_sent = None, bytearray(), False

    def _fill(self):
        data = self._sock.recv(65536)
        if not data:
            raise ConnectionError("the Runtime API closed the connection")
        self._buf += data

    def _take(self, n):
        while len(self._buf) < n:
            self._fill()
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def _line(self):
        while True:
            end = self._buf.find(b"\r\n")
            if end >= 0:
                return self._take(end + 2)[:-2]
            self._fill()

    def _read_response(self):
        """(status, Headers, body) of the next response; ConnectionError/ValueError if broken."""
        while True:
            status = int(self._line().split(b" ", 2)[1])
            headers = Headers()
            while True:
                line = self._line()
                if not line:
                    break
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            if status >= 200:
                break
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():  # trailers
                        pass
                    break
                chunks.append(self._take(size))
                self._take(2)
            body = b"".join(chunks)
        else:
            body = self._take(int(headers.get("content-length") or 0))
        if headers.get("connection", "").lower() == "close":
            self._close()
        return status, headers, body

    def _exchange(self, request, then_next=False):
        for attempt in range(2):
            try:
                if self._sock is None:
                    # No timeout: /next may wait for as long as the environment stays idle.
                    self._sock = socket.create_connection(self._address)
                    self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if then_next:
                    self._sock.sendall(request + self._next_request)
                    self._next_sent = True
                else:
                    self._sock.sendall(request)
                return self._read_response()
            except (OSError, ValueError, IndexError):  # ConnectionError is an OSError
                self._close()
                if attempt == 1:
                    raise

    def _post(self, path, body, headers, then_next):
        then_next = then_next and len(body) <= self.MAX_PIPELINED_BODY
        return self._exchange(self._encode("POST", path, body, headers, self._host), then_next)

    def next(self):
        if self._next_sent:
            self._next_sent = False
            try:
                status, headers, body = self._read_response()
            except (OSError, ValueError, IndexError):
                self._close()
                status, headers, body = self._exchange(self._next_request)
        else:
            status, headers, body = self._exchange(self._next_request)
        if status != 200:
            raise RuntimeError("invocation/next answered %d" % status)
        return headers, body

    def respond(self, request_id, payload):
        self._post("/invocation/%s/response" % request_id, payload,
                   {"Content-Type": "application/json"}, True)

    def error(self, request_id, error):
        self._post_error("/invocation/%s/error" % request_id, error, True)

    def init_error(self, error):
        self._post_error("/init/error", error, False)

    def _post_error(self, path, error, then_next):
        body = json.dumps(error).encode()
        self._post(path, body, {
            "Content-Type": ERROR_CONTENT_TYPE,
            "Lambda-Runtime-Function-Error-Type": error.get("errorType", "Runtime.Unknown"),
        }, then_next)


class LambdaContext:
    """The `context` argument, with the attributes and method AWS's runtime provides."""

    def __init__(self, headers):
        env = os.environ
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.client_context = _json_or_none(headers.get("Lambda-Runtime-Client-Context"))
        self.identity = _json_or_none(headers.get("Lambda-Runtime-Cognito-Identity"))

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _json_or_none(text):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


class HandlerError(Exception):
    """A handler that cannot be loaded: carries AWS's errorType."""

    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def error_shape(exc, error_type=None, request_id=None):
    tb = traceback.extract_tb(exc.__traceback__)
    shape = {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(tb),
    }
    if request_id:
        shape["requestId"] = request_id
    return shape


def load_handler(spec):
    module_path, _, function_name = spec.rpartition(".")
    if not module_path or not function_name:
        raise HandlerError("Runtime.MalformedHandlerName",
                           "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec)
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as e:
        raise HandlerError("Runtime.UserCodeSyntaxError",
                           "Syntax error in module '%s': %s" % (module_name, e)) from e
    except ImportError as e:
        raise HandlerError("Runtime.ImportModuleError",
                           "Unable to import module '%s': %s" % (module_name, e)) from e
    handler = getattr(module, function_name, None)
    if handler is None:
        raise HandlerError("Runtime.HandlerNotFound",
                           "Handler '%s' missing on module '%s'" % (function_name, module_name))
    if not callable(handler):
        raise HandlerError("Runtime.HandlerNotFound",
                           "Handler '%s' on module '%s' is not callable" % (function_name, module_name))
    return handler


class RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        return True


def setup_stdio_and_logging():
    # Unbuffered stdout/stderr: every print() reaches the log at once.
    sys.stdout = io.TextIOWrapper(open(1, "wb", 0, closefd=False), encoding="utf-8",
                                  write_through=True, line_buffering=False)
    sys.stderr = io.TextIOWrapper(open(2, "wb", 0, closefd=False), encoding="utf-8",
                                  write_through=True, line_buffering=False)
    handler = logging.StreamHandler(sys.stdout)
    fmt = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                            "%Y-%m-%dT%H:%M:%S")
    fmt.converter = time.gmtime
    handler.setFormatter(fmt)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING").upper())


def log_error(shape):
    print("[ERROR] %s: %s" % (shape["errorType"], shape["errorMessage"]), file=sys.stderr)


def main():
    setup_stdio_and_logging()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    version = "python%d.%d" % sys.version_info[:2]
    for path in reversed([task_root, "/opt/python", "/opt/python/lib/%s/site-packages" % version]):
        if path not in sys.path:
            sys.path.insert(0, path)
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except HandlerError as e:
        shape = {"errorMessage": str(e), "errorType": e.error_type, "stackTrace": []}
        log_error(shape)
        client.init_error(shape)
        sys.exit(1)
    except Exception as e:  # the module raised while being imported
        shape = error_shape(e)
        log_error(shape)
        client.init_error(shape)
        sys.exit(1)

    while True:
        headers, body = client.next()
        context = LambdaContext(headers)
        request_id = context.aws_request_id
        RequestIdFilter.request_id = request_id
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            event = json.loads(body) if body else {}
            result = handler(event, context)
        except Exception as e:
            shape = error_shape(e, request_id=request_id)
            log_error(shape)
            client.error(request_id, shape)
            continue
        try:
            payload = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            shape = {"errorMessage": "Unable to marshal response: %s" % e,
                     "errorType": "Runtime.MarshalError", "requestId": request_id, "stackTrace": []}
            log_error(shape)
            client.error(request_id, shape)
            continue
        client.respond(request_id, payload)


if __name__ == "__main__":
    main()
