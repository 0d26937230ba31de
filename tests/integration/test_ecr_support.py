"""Helpers for the ECR tests: OCI image layouts built offline, and tool lookups.

Run as a test module it checks that the layouts it writes are self-consistent.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZ = "application/vnd.oci.image.layer.v1.tar+gzip"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(files):
    """A deterministic tar of {name: bytes}; returns (uncompressed, gzipped)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    plain = raw.getvalue()
    return plain, gzip.compress(plain, mtime=0)


def write_blob(layout, data):
    digest = sha256(data)
    path = os.path.join(layout, "blobs", "sha256", digest[7:])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": digest, "size": len(data)}


def make_layout(layout, tag="latest", layers=None, raw_layers=None):
    """Writes an OCI image layout at `layout` with one image tagged `tag`.

    `layers` is a list of {name: bytes} dicts (each becomes a gzipped tar layer); `raw_layers`
    a list of bytes each wrapped in a stored (uncompressed) gzip stream (for the bench: clients
    neither compress nor decompress them). Returns the manifest digest.
    """
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    descs, diff_ids = [], []
    for files in layers or []:
        plain, gz = layer_tar(files)
        d = write_blob(layout, gz)
        descs.append(dict(mediaType=OCI_LAYER_GZ, **d))
        diff_ids.append(sha256(plain))
    for data in raw_layers or []:
        # Stored (level 0) gzip: a real gzip stream, so clients pass it through untouched.
        d = write_blob(layout, gzip.compress(data, compresslevel=0, mtime=0))
        descs.append(dict(mediaType=OCI_LAYER_GZ, **d))
        diff_ids.append(sha256(data))
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}},
                        sort_keys=True).encode()
    cd = write_blob(layout, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": dict(mediaType=OCI_CONFIG, **cd),
                           "layers": descs}, sort_keys=True).encode()
    md = write_blob(layout, manifest)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [dict(
            mediaType=OCI_MANIFEST, annotations={"org.opencontainers.image.ref.name": tag},
            **md)]}, f)
    return md["digest"]


def layout_files(layout):
    """{path inside the layout's blobs dir: bytes} of everything a layout holds."""
    out = {}
    root = os.path.join(layout, "blobs", "sha256")
    for name in os.listdir(root):
        with open(os.path.join(root, name), "rb") as f:
            out[name] = f.read()
    return out


def http(n, method, path, body=None, headers=None):
    """One request to nimbus; returns (status, headers dict (lower-case names), body bytes)."""
    import http.client
    conn = http.client.HTTPConnection(n.host, n.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def oci_error(body):
    """The first error code of an OCI error body."""
    return json.loads(body)["errors"][0]["code"]


def push_blob(n, repo, data):
    """POST + PUT monolithic upload; returns the digest."""
    status, h, _ = http(n, "POST", "/v2/%s/blobs/uploads/" % repo)
    assert status == 202, status
    digest = sha256(data)
    status, h, body = http(n, "PUT", h["location"] + "?digest=" + digest, data,
                           {"Content-Type": "application/octet-stream"})
    assert status == 201, (status, body)
    return digest


def push_image(n, repo, ref, content, extra=None):
    """Pushes config + one layer + an OCI manifest; returns (manifest digest, manifest bytes)."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "c": content}).encode()
    layer = ("layer:" + content).encode()
    cd, ld = push_blob(n, repo, config), push_blob(n, repo, layer)
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
         "config": {"mediaType": OCI_CONFIG, "digest": cd, "size": len(config)},
         "layers": [{"mediaType": OCI_LAYER_GZ, "digest": ld, "size": len(layer)}]}
    m.update(extra or {})
    body = json.dumps(m).encode()
    status, h, resp = http(n, "PUT", "/v2/%s/manifests/%s" % (repo, ref), body,
                           {"Content-Type": OCI_MANIFEST})
    assert status == 201, (status, resp)
    return h["docker-content-digest"], body


def have(tool):
    return shutil.which(tool) is not None


def skopeo(*args, check=True, timeout=300):
    res = subprocess.run(["skopeo"] + list(args), capture_output=True, timeout=timeout)
    if check and res.returncode != 0:
        raise AssertionError("skopeo %s failed: %s" % (" ".join(args), res.stderr.decode()))
    return res


class LayoutSelfTest(unittest.TestCase):
    def test_layout_is_consistent(self):
        with tempfile.TemporaryDirectory() as tmp:
            digest = make_layout(tmp, "t", layers=[{"a.txt": b"hello"}])
            blobs = layout_files(tmp)
            self.assertIn(digest[7:], blobs)
            for name, data in blobs.items():
                self.assertEqual(hashlib.sha256(data).hexdigest(), name)
            manifest = json.loads(blobs[digest[7:]])
            self.assertEqual(len(manifest["layers"]), 1)


if __name__ == "__main__":
    unittest.main()
