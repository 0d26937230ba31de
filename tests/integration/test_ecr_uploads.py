"""ECR registry uploads streamed to disk: sessions resumed after a restart (SIGTERM and
kill -9), bodies cut short or longer than announced leaving nothing half-stored, a blob larger
than the in-memory body limit, and nimbus's memory staying flat while it arrives."""
import hashlib
import os
import signal
import socket
import time
import unittest
from http.client import HTTPConnection

from harness import Nimbus
from test_ecr_support import http, oci_error, sha256


def upload_files(n):
    """Names in nimbus's upload directory (in-progress sessions)."""
    path = os.path.join(n.data_dir, "ecr", "blobs", "uploads")
    return sorted(os.listdir(path)) if os.path.isdir(path) else []


def send_partial(n, head, body_part):
    """Sends a request head and only part of its body, then closes the connection."""
    with socket.create_connection((n.host, n.port), timeout=10) as s:
        s.sendall(head + body_part)
        s.shutdown(socket.SHUT_WR)
        try:
            s.recv(65536)  # whatever nimbus says (nothing, or an error) before it closes
        except (socket.timeout, ConnectionResetError):
            pass


def peak_rss_kb(n):
    with open("/proc/%d/status" % n.proc.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


class UploadTest(unittest.TestCase):
    def setUp(self):
        self.n = Nimbus().start()
        self.n.aws("ecr", "create-repository", "--repository-name", "up")

    def tearDown(self):
        self.n.__exit__(None, None, None)

    def start_session(self):
        status, h, _ = http(self.n, "POST", "/v2/up/blobs/uploads/")
        self.assertEqual(status, 202)
        return h["location"]

    def range_of(self, loc):
        status, h, _ = http(self.n, "GET", loc)
        self.assertEqual(status, 204)
        return h["range"]

    def test_resumed_upload_after_restart(self):
        data = os.urandom(3 * 1024 * 1024 + 17)
        a, b = 1024 * 1024, 2 * 1024 * 1024
        loc = self.start_session()
        status, h, _ = http(self.n, "PATCH", loc, data[:a], {"Content-Range": "0-%d" % (a - 1)})
        self.assertEqual((status, h["range"]), (202, "0-%d" % (a - 1)))
        self.n.restart(signal.SIGKILL)
        self.assertEqual(self.range_of(loc), "0-%d" % (a - 1))
        status, h, _ = http(self.n, "PATCH", loc, data[a:b],
                            {"Content-Range": "%d-%d" % (a, b - 1)})
        self.assertEqual((status, h["range"]), (202, "0-%d" % (b - 1)))
        self.n.restart()  # SIGTERM: the session stays too
        # Out of order after the restart: the spec's 416 with the range nimbus holds.
        status, h, body = http(self.n, "PATCH", loc, data[:a], {"Content-Range": "0-%d" % (a - 1)})
        self.assertEqual((status, oci_error(body), h["range"]), (416, "BLOB_UPLOAD_INVALID",
                                                                 "0-%d" % (b - 1)))
        status, h, _ = http(self.n, "PUT", loc + "?digest=" + sha256(data), data[b:],
                            {"Content-Range": "%d-%d" % (b, len(data) - 1)})
        self.assertEqual((status, h["docker-content-digest"]), (201, sha256(data)))
        self.assertEqual(http(self.n, "GET", "/v2/up/blobs/" + sha256(data))[2], data)
        self.assertEqual(upload_files(self.n), [])
        status, _, body = http(self.n, "GET", loc)
        self.assertEqual((status, oci_error(body)), (404, "BLOB_UPLOAD_UNKNOWN"))

    def test_upload_of_another_repository_is_unknown_after_restart(self):
        self.n.aws("ecr", "create-repository", "--repository-name", "other")
        loc = self.start_session()
        http(self.n, "PATCH", loc, b"abc")
        self.n.restart(signal.SIGKILL)
        status, _, body = http(self.n, "GET", loc.replace("/v2/up/", "/v2/other/"))
        self.assertEqual((status, oci_error(body)), (404, "BLOB_UPLOAD_UNKNOWN"))
        self.assertEqual(self.range_of(loc), "0-2")

    def age_uploads(self, seconds):
        """Makes every upload's files look `seconds` old (nimbus is stopped meanwhile)."""
        path = os.path.join(self.n.data_dir, "ecr", "blobs", "uploads")
        then = time.time() - seconds
        for name in os.listdir(path):
            os.utime(os.path.join(path, name), (then, then))

    def test_killed_uploads_expire_after_a_restart_and_at_a_re_push(self):
        n = self.n
        blob = os.urandom(300000)
        # A push killed mid-way: one PATCH landed, the next was cut off with its client.
        loc = self.start_session()
        http(n, "PATCH", loc, blob[:100000], {"Content-Range": "0-99999"})
        head = ("PATCH %s HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n"
                "Content-Range: 100000-299999\r\n\r\n" % loc).encode()
        send_partial(n, head, blob[100000:150000])
        self.assertEqual(len(upload_files(n)), 2)  # data and label
        # Within the expiry it is resumable after a restart (kill -9 included) ...
        n.restart(signal.SIGKILL)
        self.assertEqual(self.range_of(loc), "0-99999")
        # ... past it (an hour idle) a restart removes its files, and the session is unknown.
        n.stop(signal.SIGKILL)
        self.age_uploads(2 * 3600)
        n.start()
        self.assertEqual(upload_files(n), [])
        status, _, body = http(n, "GET", loc)
        self.assertEqual((status, oci_error(body)), (404, "BLOB_UPLOAD_UNKNOWN"))
        # Another killed upload, found expired by the successful re-push that follows.
        loc = self.start_session()
        http(n, "PATCH", loc, blob[:100000], {"Content-Range": "0-99999"})
        n.stop(signal.SIGKILL)
        n.start()
        self.assertEqual(len(upload_files(n)), 2)
        self.age_uploads(2 * 3600)
        fresh = self.start_session()
        status, h, _ = http(n, "PUT", fresh + "?digest=" + sha256(blob), blob)
        self.assertEqual(status, 201)
        self.assertEqual(upload_files(n), [])
        self.assertEqual(http(n, "GET", "/v2/up/blobs/" + sha256(blob))[2], blob)
        status, _, body = http(n, "GET", loc)
        self.assertEqual((status, oci_error(body)), (404, "BLOB_UPLOAD_UNKNOWN"))
        # The ECR API's uploads expire the same way.
        ecr = n.client("ecr")
        upload_id = ecr.initiate_layer_upload(repositoryName="up")["uploadId"]
        ecr.upload_layer_part(repositoryName="up", uploadId=upload_id, partFirstByte=0,
                              partLastByte=9, layerPartBlob=b"0123456789")
        n.stop(signal.SIGKILL)
        self.age_uploads(2 * 3600)
        n.start()
        ecr = n.client("ecr")
        with self.assertRaises(ecr.exceptions.UploadNotFoundException):
            ecr.upload_layer_part(repositoryName="up", uploadId=upload_id, partFirstByte=10,
                                  partLastByte=19, layerPartBlob=b"0123456789")
        self.assertEqual(upload_files(n), [])

    def test_truncated_bodies_leave_nothing_half_stored(self):
        n = self.n
        loc = self.start_session()
        http(n, "PATCH", loc, b"x" * 1000, {"Content-Range": "0-999"})
        # A PATCH announcing 5000 bytes whose client goes away after 2000.
        head = ("PATCH %s HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                "Content-Range: 1000-5999\r\n\r\n" % loc).encode()
        send_partial(n, head, b"y" * 2000)
        self.assertEqual(self.range_of(loc), "0-999")
        # The same cut short in chunked encoding.
        head = ("PATCH %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" % loc).encode()
        send_partial(n, head, b"800\r\n" + b"z" * 0x800 + b"\r\n400\r\n" + b"z" * 100)
        self.assertEqual(self.range_of(loc), "0-999")
        # The session goes on from where the last complete request left it.
        rest = b"w" * 500
        status, _, _ = http(n, "PUT", loc + "?digest=" + sha256(b"x" * 1000 + rest), rest,
                            {"Content-Range": "1000-1499"})
        self.assertEqual(status, 201)
        # A monolithic upload cut short publishes nothing and leaves no session behind.
        blob = os.urandom(100000)
        head = ("POST /v2/up/blobs/uploads/?digest=%s HTTP/1.1\r\nHost: x\r\n"
                "Content-Length: %d\r\n\r\n" % (sha256(blob), len(blob))).encode()
        send_partial(n, head, blob[:50000])
        status, _, body = http(n, "GET", "/v2/up/blobs/" + sha256(blob))
        self.assertEqual((status, oci_error(body)), (404, "BLOB_UNKNOWN"))
        self.assertEqual(upload_files(n), [])

    def test_oversized_bodies_are_refused_and_undone(self):
        n = self.n
        loc = self.start_session()
        http(n, "PATCH", loc, b"a" * 100, {"Content-Range": "0-99"})
        # Content-Length says more than the Content-Range: refused before reading.
        status, _, body = http(n, "PATCH", loc, b"b" * 20, {"Content-Range": "100-109"})
        self.assertEqual((status, oci_error(body)), (400, "BLOB_UPLOAD_INVALID"))
        self.assertEqual(self.range_of(loc), "0-99")
        # A chunked body (no length up front) longer than its Content-Range: cut off again.
        conn = HTTPConnection(n.host, n.port, timeout=30)
        conn.request("PATCH", loc, body=iter([b"c" * 10, b"c" * 10]),
                     headers={"Content-Range": "100-109"}, encode_chunked=True)
        resp = conn.getresponse()
        self.assertEqual((resp.status, oci_error(resp.read())), (400, "BLOB_UPLOAD_INVALID"))
        conn.close()
        self.assertEqual(self.range_of(loc), "0-99")
        # A wrong digest on the closing PUT publishes nothing and ends the session.
        status, _, body = http(n, "PUT", loc + "?digest=" + sha256(b"not it"))
        self.assertEqual((status, oci_error(body)), (400, "DIGEST_INVALID"))
        self.assertEqual(http(n, "GET", "/v2/up/blobs/" + sha256(b"a" * 100))[0], 404)
        self.assertEqual(upload_files(n), [])

    def test_large_blob_streams_in_flat_memory(self):
        # 160 MiB: more than nimbus holds in memory for any body (128 MiB), sent chunked as
        # skopeo and podman do.
        piece = os.urandom(1024 * 1024)
        count = 160
        h = hashlib.sha256()
        for _ in range(count):
            h.update(piece)
        digest = "sha256:" + h.hexdigest()
        before = peak_rss_kb(self.n)
        loc = self.start_session()
        conn = HTTPConnection(self.n.host, self.n.port, timeout=120)
        conn.request("PATCH", loc, body=(piece for _ in range(count)),
                     headers={"Content-Type": "application/octet-stream"}, encode_chunked=True)
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 202)
        self.assertEqual(resp.getheader("Range"), "0-%d" % (count * len(piece) - 1))
        conn.close()
        status, h, _ = http(self.n, "PUT", loc + "?digest=" + digest)
        self.assertEqual(status, 201)
        grown_mb = (peak_rss_kb(self.n) - before) / 1024
        self.assertLess(grown_mb, 32, "peak RSS grew by %.0f MiB" % grown_mb)
        status, h, _ = http(self.n, "HEAD", "/v2/up/blobs/" + digest)
        self.assertEqual((status, h["content-length"]), (200, str(count * len(piece))))


if __name__ == "__main__":
    unittest.main()
