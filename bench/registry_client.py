#!/usr/bin/env python3
"""A thin OCI registry client for benchmarks: it costs the client as little as possible so the
time measured is the server's. Blobs go up with sendfile(2) from the layout's files (POST,
PATCH with Content-Length, PUT ?digest), one connection per blob, all blobs at once; pulls read
every blob at once into a reused buffer (recv_into) and drop the bytes. The same client drives
every server, so the numbers compare the servers.

  registry_client.py push HOST:PORT REPO TAG LAYOUT   -> prints "<bytes> <seconds>"
  registry_client.py pull HOST:PORT REPO TAG          -> prints "<bytes> <seconds>"
"""
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

MANIFEST_TYPES = ",".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])


def connect(host):
    h, p = host.rsplit(":", 1)
    conn = http.client.HTTPConnection(h, int(p), timeout=120)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def request(conn, method, target, body=None, headers=None):
    conn.request(method, target, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, resp, data


def relative(location):
    """A Location header as a request target (registries answer absolute or relative URLs)."""
    u = urllib.parse.urlsplit(location)
    return u.path + ("?" + u.query if u.query else "")


def push_blob(host, repo, path, digest, errors):
    conn = connect(host)
    try:
        status, resp, _ = request(conn, "POST", "/v2/%s/blobs/uploads/" % repo)
        if status != 202:
            raise RuntimeError("POST %d" % status)
        target = relative(resp.getheader("Location"))
        size = os.path.getsize(path)
        conn.putrequest("PATCH", target)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        with open(path, "rb") as f:
            conn.sock.sendfile(f)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 202:
            raise RuntimeError("PATCH %d" % resp.status)
        target = relative(resp.getheader("Location"))
        sep = "&" if "?" in target else "?"
        status, _, body = request(conn, "PUT", target + sep + "digest=" + digest,
                                  headers={"Content-Length": "0"})
        if status != 201:
            raise RuntimeError("PUT %d %s" % (status, body[:200]))
    except Exception as e:  # reported by the caller
        errors.append("%s: %s" % (digest, e))
    finally:
        conn.close()


def pull_blob(host, repo, digest, size, errors):
    conn = connect(host)
    try:
        conn.putrequest("GET", "/v2/%s/blobs/%s" % (repo, digest))
        conn.endheaders()
        resp = conn.getresponse()
        if resp.status in (301, 302, 307):
            raise RuntimeError("redirected")
        if resp.status != 200:
            raise RuntimeError("GET %d" % resp.status)
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        got = 0
        while True:
            n = resp.readinto(view)
            if not n:
                break
            got += n
        if got != size:
            raise RuntimeError("got %d of %d bytes" % (got, size))
    except Exception as e:
        errors.append("%s: %s" % (digest, e))
    finally:
        conn.close()


def run_all(jobs):
    errors = []
    threads = [threading.Thread(target=fn, args=args + (errors,)) for fn, args in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit("registry_client: " + "; ".join(errors))


def push(host, repo, tag, layout):
    with open(os.path.join(layout, "index.json")) as f:
        desc = json.load(f)["manifests"][0]
    blobs = os.path.join(layout, "blobs", "sha256")
    with open(os.path.join(blobs, desc["digest"][7:]), "rb") as f:
        manifest = f.read()
    m = json.loads(manifest)
    digests = [m["config"]["digest"]] + [layer["digest"] for layer in m["layers"]]
    total = sum(os.path.getsize(os.path.join(blobs, d[7:])) for d in digests)
    t0 = time.perf_counter()
    run_all([(push_blob, (host, repo, os.path.join(blobs, d[7:]), d)) for d in digests])
    conn = connect(host)
    status, _, body = request(conn, "PUT", "/v2/%s/manifests/%s" % (repo, tag), manifest,
                              {"Content-Type": desc["mediaType"]})
    conn.close()
    elapsed = time.perf_counter() - t0
    if status != 201:
        sys.exit("registry_client: manifest PUT %d %s" % (status, body[:200]))
    print(total + len(manifest), "%.6f" % elapsed)


def pull(host, repo, tag):
    t0 = time.perf_counter()
    conn = connect(host)
    status, _, manifest = request(conn, "GET", "/v2/%s/manifests/%s" % (repo, tag),
                                  headers={"Accept": MANIFEST_TYPES})
    conn.close()
    if status != 200:
        sys.exit("registry_client: manifest GET %d" % status)
    m = json.loads(manifest)
    blobs = [m["config"]] + m["layers"]
    run_all([(pull_blob, (host, repo, b["digest"], b["size"])) for b in blobs])
    elapsed = time.perf_counter() - t0
    print(sum(b["size"] for b in blobs) + len(manifest), "%.6f" % elapsed)


def main(argv):
    if len(argv) == 6 and argv[1] == "push":
        push(*argv[2:])
    elif len(argv) == 5 and argv[1] == "pull":
        pull(*argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
