#!/usr/bin/env python3
"""nimbus's Lambda runtime for python3.x handlers (stdlib only).

Speaks the Runtime API (2018-06-01) at $AWS_LAMBDA_RUNTIME_API, imports the handler named by
$_HANDLER ("module.function", module may be "dir/file" or "pkg.mod") from $LAMBDA_TASK_ROOT with
/opt/python on sys.path, and runs it once per invocation. Errors use AWS's shape
{"errorMessage", "errorType", "requestId", "stackTrace": [...]}.
"""

import http.client
import importlib
import io
import json
import logging
import os
import sys
import time
import traceback

API_PREFIX = "/2018-06-01/runtime"
ERROR_CONTENT_TYPE = "application/vnd.aws.lambda.error+json"


class RuntimeClient:
    """One keep-alive HTTP connection to the Runtime API; reconnects when it drops."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host, self._port = host or "127.0.0.1", int(port)
        self._conn = None

    def _request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self._conn is None:
                # No timeout: /next may wait for as long as the environment stays idle.
                self._conn = http.client.HTTPConnection(self._host, self._port)
            try:
                self._conn.request(method, API_PREFIX + path, body=body, headers=headers or {})
                resp = self._conn.getresponse()
                return resp.status, resp.headers, resp.read()
            except (http.client.HTTPException, ConnectionError, OSError):
                self._conn.close()
                self._conn = None
                if attempt == 1:
                    raise

    def next(self):
        status, headers, body = self._request("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("invocation/next answered %d" % status)
        return headers, body

    def respond(self, request_id, payload):
        self._request("POST", "/invocation/%s/response" % request_id, payload,
                      {"Content-Type": "application/json"})

    def error(self, request_id, error):
        self._post_error("/invocation/%s/error" % request_id, error)

    def init_error(self, error):
        self._post_error("/init/error", error)

    def _post_error(self, path, error):
        body = json.dumps(error).encode()
        self._request("POST", path, body, {
            "Content-Type": ERROR_CONTENT_TYPE,
            "Lambda-Runtime-Function-Error-Type": error.get("errorType", "Runtime.Unknown"),
        })


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
