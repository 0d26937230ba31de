#!/usr/bin/env python3
"""ECS Exec round trip: a keystroke sent on the session's data channel -> its echo back.

A busybox-static image (tests/integration/images.py) runs `sleep 3600` in a task started with
enableExecuteCommand; ExecuteCommand (boto3) opens `/bin/sh`, and a minimal client written here
(RFC 6455 frames, the Session Manager message of protocol/ssm_message.h, handshake, acks) types
N single characters, one at a time: each is timed from its input_stream_data message written to
the output_stream_data message that carries the pty's echo of it (the terminal's line discipline
echoes at once; the shell reads the line only at Enter). Also: ExecuteCommand -> first output
(the prompt), the session's setup as a user sees it.

Prints p50/p90/min/max. Usage: bench/ecs_exec_bench.py [--keys N] [--nimbus PATH]
Needs root, busybox-static and skopeo. Noisy when others compile: say so."""
import argparse
import hashlib
import json
import os
import socket
import statistics
import struct
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))


def stats(name, xs):
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    print("%-34s n=%-4d p50 %8.3f ms  p90 %8.3f ms  min %8.3f  max %8.3f" %
          (name, len(xs), statistics.median(xs), p90, xs[0], xs[-1]))


class Channel:
    """A data-channel client: masked frames out, server frames in, acks for every output."""

    def __init__(self, url, token):
        host, rest = url[len("ws://"):].split("/", 1)
        h, p = host.rsplit(":", 1)
        self.s = socket.create_connection((h, int(p)))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: "
                        "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (rest, host)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.s.recv(4096)
        self.buf = self.buf.split(b"\r\n\r\n", 1)[1]
        self.seq = 0
        self.send_frame(1, json.dumps({"MessageSchemaVersion": "1.0", "RequestId": "r",
                                       "TokenValue": token, "ClientId": "c",
                                       "ClientVersion": "bench"}).encode())

    def send_frame(self, op, data):
        head = bytes([0x80 | op])
        n = len(data)
        head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
        self.s.sendall(head + b"\0\0\0\0" + data)  # a zero mask leaves the payload as it is

    @staticmethod
    def message(mtype, seq, ptype, payload, flags=0):
        mid = uuid.uuid4().bytes
        return (struct.pack(">I", 116) + mtype.ljust(32).encode() + struct.pack(
            ">IQqQ", 1, int(time.time() * 1000), seq, flags) + mid[8:] + mid[:8] +
            hashlib.sha256(payload).digest() + struct.pack(">II", ptype, len(payload)) + payload)

    def send_input(self, ptype, payload):
        self.send_frame(2, self.message("input_stream_data", self.seq, ptype, payload))
        self.seq += 1

    def recv(self):
        """The next server message as (type, seq, payload type, payload)."""
        while True:
            if len(self.buf) >= 2:
                n, at = self.buf[1] & 0x7F, 2
                if n == 126 and len(self.buf) >= 4:
                    n, at = struct.unpack(">H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
                if n < 126 or at > 2:
                    if len(self.buf) >= at + n:
                        op, data, self.buf = self.buf[0] & 0x0F, self.buf[at:at + n], \
                            self.buf[at + n:]
                        if op != 2:
                            continue
                        mtype = data[4:36].strip(b" \0").decode()
                        seq = struct.unpack(">q", data[48:56])[0]
                        ptype = struct.unpack(">I", data[112:116])[0]
                        payload = data[120:]
                        if mtype == "output_stream_data":
                            ack = json.dumps({"AcknowledgedMessageType": mtype,
                                              "AcknowledgedMessageId": "0",
                                              "AcknowledgedMessageSequenceNumber": seq,
                                              "IsSequentialMessage": True}).encode()
                            self.send_frame(2, self.message("acknowledge", 0, 0, ack, 3))
                        return mtype, seq, ptype, payload
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("the stream closed")
            self.buf += chunk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=300)
    ap.add_argument("--nimbus", default=os.path.join(ROOT, "build", "nimbus"))
    args = ap.parse_args()
    os.environ.setdefault("NIMBUS_BIN", args.nimbus)
    from harness import Nimbus
    from images import push_image

    with Nimbus() as n:
        ecs = n.client("ecs")
        uri, _ = push_image(n, "shell")
        ecs.register_task_definition(family="bench", containerDefinitions=[{
            "name": "app", "image": uri + ":latest", "memory": 64,
            "entryPoint": ["sleep", "3600"]}])
        arn = ecs.run_task(taskDefinition="bench", enableExecuteCommand=True)["tasks"][0][
            "taskArn"]
        while ecs.describe_tasks(tasks=[arn])["tasks"][0]["lastStatus"] != "RUNNING":
            time.sleep(0.05)
        setups = []
        for _ in range(5):
            t0 = time.perf_counter()
            session = ecs.execute_command(task=arn, command="/bin/sh", interactive=True)[
                "session"]
            ch = Channel(session["streamUrl"], session["tokenValue"])
            while True:
                mtype, _, ptype, payload = ch.recv()
                if ptype == 5:
                    ch.send_input(6, json.dumps({"ClientVersion": "bench",
                                                 "ProcessedClientActions": [],
                                                 "Errors": []}).encode())
                elif ptype == 1 and payload:
                    break
            setups.append((time.perf_counter() - t0) * 1000)
            if len(setups) < 5:
                ch.s.close()
        rtts = []
        for i in range(args.keys):
            key = b"abcdefghijklmnopqrstuvwxyz"[i % 26:i % 26 + 1]
            t0 = time.perf_counter()
            ch.send_input(1, key)
            while True:
                mtype, _, ptype, payload = ch.recv()
                if ptype == 1 and key in payload:
                    break
            rtts.append((time.perf_counter() - t0) * 1000)
            if i % 60 == 59:
                ch.send_input(1, b"\x15")  # ^U: the line discipline drops the typed line
        ch.s.close()
        print("ECS Exec (nimbus %s), machine load %.1f" % (args.nimbus, os.getloadavg()[0]))
        stats("ExecuteCommand -> prompt", setups)
        stats("keystroke -> echo", rtts)


if __name__ == "__main__":
    main()
