"""One-shot fake Runtime API for the sandbox end-to-end test.

Prints "port <n>" on stdout, serves the event given as argv[1] once on /next, then prints
"<kind> <body>" for the first response/error/init-error posted and exits.
"""
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

EVENT = sys.argv[1].encode()
done = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if done.is_set():  # a second /next: hold it until we exit
            done.wait()
            return
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
        self.send_header("Lambda-Runtime-Deadline-Ms", "99999999999999")
        self.send_header("Content-Length", str(len(EVENT)))
        self.end_headers()
        self.wfile.write(EVENT)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        kind = self.path.rsplit("/", 1)[-1]
        print(kind, body.decode(), flush=True)
        done.set()


server = HTTPServer(("127.0.0.1", 0), Handler)
print("port", server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
done.wait(30)
