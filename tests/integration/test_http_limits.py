"""Limits that hold against slow and numerous clients (issue 17): a request head has an overall
deadline however it trickles, connections over the cap are answered 503 instead of starving
everyone, and framing AWS's front ends refuse (bare LF, unknown transfer codings) is refused at
once instead of hanging."""
import socket
import threading
import time
import unittest

from harness import Nimbus


def connect(n):
    return socket.create_connection((n.host, n.port), timeout=30)


def read_to_close(s, limit=1 << 20):
    out = b""
    try:
        while len(out) < limit:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    return out


class SlowClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus("--head-timeout", "2").start()

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def test_trickling_heads_are_cut_off_and_others_are_served(self):
        head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        socks = [connect(self.n) for _ in range(30)]
        closed = [False] * len(socks)
        answers = [b""] * len(socks)
        started = time.monotonic()
        sts = self.n.client("sts")
        i = 0
        # A byte every 0.3 s on each: an idle timer restarted per byte would never fire.
        while not all(closed) and time.monotonic() - started < 60:
            for k, s in enumerate(socks):
                if closed[k]:
                    continue
                try:
                    s.send(head[i % len(head):i % len(head) + 1])
                    s.setblocking(False)
                    try:
                        while not closed[k]:
                            got = s.recv(4096)
                            answers[k] += got
                            closed[k] = got == b""
                    except BlockingIOError:
                        pass
                    finally:
                        s.setblocking(True)
                except (BrokenPipeError, ConnectionResetError):
                    closed[k] = True
            self.assertEqual(sts.get_caller_identity()["Account"], "000000000000")
            i += 1
            time.sleep(0.3)
        elapsed = time.monotonic() - started
        for s in socks:
            s.close()
        self.assertTrue(all(closed), "%d of %d trickling connections still open after %.0f s" %
                        (closed.count(False), len(socks), elapsed))
        self.assertLess(elapsed, 45)  # the 2 s deadline, with room for a loaded machine
        # Each was told why before the close (a reset may rarely beat the answer to a client).
        told = [a for a in answers if a]
        self.assertTrue(told, "no trickling connection got an answer")
        for a in told:
            self.assertTrue(a.startswith(b"HTTP/1.1 408 ") and b"RequestTimeout" in a, a[:200])

    def test_bare_lf_is_refused_at_once(self):
        with connect(self.n) as s:
            s.sendall(b"GET /_nimbus/health HTTP/1.1\nHost: x\n\n")
            s.settimeout(10)
            out = read_to_close(s)
        self.assertTrue(out.startswith(b"HTTP/1.1 400 "), out)

    def test_unknown_transfer_coding_is_501(self):
        with connect(self.n) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                      b"5\r\nhello\r\n0\r\n\r\n")
            s.settimeout(10)
            out = read_to_close(s)
        self.assertTrue(out.startswith(b"HTTP/1.1 501 "), out)


class ConnectionCap(unittest.TestCase):
    def test_connections_over_the_cap_get_503_and_the_rest_are_served(self):
        with Nimbus("--max-connections", "20", "--head-timeout", "60") as n:
            held = [connect(n) for _ in range(20)]
            try:
                time.sleep(0.5)  # let the server account for them
                with connect(n) as s:
                    s.sendall(b"GET /_nimbus/health HTTP/1.1\r\nHost: x\r\n\r\n")
                    out = read_to_close(s)
                self.assertTrue(out.startswith(b"HTTP/1.1 503 "), out)
            finally:
                for s in held[:5]:
                    s.close()
            deadline = time.monotonic() + 30
            ok = False
            while not ok and time.monotonic() < deadline:
                try:
                    ok = n.client("sts").get_caller_identity()["Account"] == "000000000000"
                except Exception:  # 503 while the server still counts the closed ones
                    time.sleep(0.2)
            self.assertTrue(ok)
            for s in held[5:]:
                s.close()

    def test_descriptor_limit_is_raised_to_the_hard_limit(self):
        import resource
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard <= 1024:
            self.skipTest("the hard descriptor limit is 1024 already")

        def lower():
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))
        import shutil
        import subprocess
        import tempfile
        import harness
        data = tempfile.mkdtemp(prefix="nimbus-test-")
        proc = subprocess.Popen([harness.NIMBUS_BIN, "serve", "--port", "0", "--data-dir", data],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=lower)
        try:
            self.assertIn(b"nimbus ready on", proc.stdout.readline())
            with open("/proc/%d/limits" % proc.pid) as f:
                line = [l for l in f if l.startswith("Max open files")][0]
            self.assertEqual(int(line.split()[3]), hard, line)
        finally:
            proc.terminate()
            proc.wait(30)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
