"""OCI images for tests that run containers (ECS tasks, Lambda container images): built offline
from Debian's busybox-static (/bin/busybox and a symlink per applet: sh, sleep, echo, wget, ...)
with the config a test asks for, then pushed to a running nimbus (or any registry) with skopeo.

    from images import push_image
    uri, digest = push_image(n, "app", entrypoint=["/bin/sh", "-c"], cmd=["echo hi"],
                             env={"GREETING": "hi"}, user="1000:1000", workdir="/srv",
                             stop_signal="SIGQUIT", files={"srv/app.sh": (b"#!/bin/sh\\n", 0o755)})
    # uri: "<registry-host>/app" (the repositoryUri); the task's image is uri + ":latest"

Files and layers: `files` maps a path (no leading '/') to bytes, (bytes, mode) or an Entry;
`layers` adds whole layers above the busybox one (a list of lists of Entry), e.g. whiteouts:
Entry("etc/.wh.motd"). Layers are gzip by default; compression="zstd" or "none" picks another
(skopeo gzips "none" layers as it pushes them to the default account; the ECR API path keeps
them plain). The digest returned is the one the registry holds.

test_images_helper.py checks what it builds against a real nimbus.
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

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
BUSYBOX = "/bin/busybox"


def have_busybox():
    return os.path.exists(BUSYBOX) and shutil.which("skopeo") is not None


class Entry:
    """One tar entry: a file (data), dir, symlink (target), hard link (target), or char/block
    device (devmajor/devminor)."""

    def __init__(self, path, data=b"", mode=None, kind="file", target="", uid=0, gid=0,
                 devmajor=0, devminor=0):
        self.path, self.data, self.kind, self.target = path.lstrip("/"), data, kind, target
        default = {"dir": 0o755, "symlink": 0o777}.get(kind, 0o644)
        self.mode = default if mode is None else mode
        self.uid, self.gid, self.devmajor, self.devminor = uid, gid, devmajor, devminor

    def tarinfo(self):
        info = tarfile.TarInfo(self.path)
        info.mode, info.uid, info.gid, info.mtime = self.mode, self.uid, self.gid, 0
        types = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                 "link": tarfile.LNKTYPE, "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE}
        info.type = types[self.kind]
        if self.kind == "file":
            info.size = len(self.data)
        if self.kind in ("symlink", "link"):
            info.linkname = self.target
        info.devmajor, info.devminor = self.devmajor, self.devminor
        return info


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_bytes(entries):
    """A deterministic PAX tar of `entries`, in the order given."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for e in entries:
            tar.addfile(e.tarinfo(), io.BytesIO(e.data) if e.kind == "file" else None)
    return raw.getvalue()


def compress(plain, compression):
    if compression == "gzip":
        return gzip.compress(plain, mtime=0)
    if compression == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=plain, capture_output=True,
                              check=True).stdout
    if compression == "none":
        return plain
    raise ValueError("compression must be gzip, zstd or none")


def busybox_entries(passwd_users=()):
    """The base layer: busybox, its applets, /etc/passwd and /etc/group, /tmp, /root.

    `passwd_users` adds (name, uid, gid) lines so a config User may name them."""
    with open(BUSYBOX, "rb") as f:
        binary = f.read()
    applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, check=True,
                             text=True).stdout.split()
    dirs = ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "home", "tmp", "var",
            "proc", "sys", "dev"]
    out = [Entry(d, kind="dir", mode={"tmp": 0o1777, "root": 0o700}.get(d, 0o755)) for d in dirs]
    out.append(Entry("bin/busybox", binary, mode=0o755))
    for applet in sorted(set(applets)):
        if applet != "bin/busybox":
            out.append(Entry(applet, kind="symlink", target="/bin/busybox"))
    users = [("root", 0, 0), ("nobody", 65534, 65534)] + list(passwd_users)
    passwd = "".join("%s:x:%d:%d:%s:/%s:/bin/sh\n" % (n, u, g, n, "root" if u == 0 else "tmp")
                     for n, u, g in users)
    group = "".join("%s:x:%d:\n" % (n, g) for n, _, g in users)
    out.append(Entry("etc/passwd", passwd.encode()))
    out.append(Entry("etc/group", group.encode()))
    return out


def _file_entries(files):
    out, dirs = [], set()
    for path, spec in sorted((files or {}).items()):
        if isinstance(spec, Entry):
            entry = spec
        elif isinstance(spec, tuple):
            entry = Entry(path, spec[0], mode=spec[1])
        else:
            entry = Entry(path, spec)
        parent = os.path.dirname(entry.path)
        while parent and parent not in dirs:
            dirs.add(parent)
            parent = os.path.dirname(parent)
        out.append(entry)
    return [Entry(d, kind="dir") for d in sorted(dirs)] + out


def build_image(layout, tag="latest", entrypoint=None, cmd=None, env=None, user=None,
                workdir=None, stop_signal=None, exposed_ports=(), healthcheck=None, files=None,
                layers=(), compression="gzip", passwd_users=()):
    """Writes an OCI image layout at `layout` tagged `tag`; returns (manifest digest, config).

    `env` is a dict or a list of "NAME=value"; PATH defaults to busybox's directories."""
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    all_layers = [busybox_entries(passwd_users)]
    if files:
        all_layers.append(_file_entries(files))
    all_layers += [list(layer) for layer in layers]
    descs, diff_ids = [], []
    for entries in all_layers:
        plain = tar_bytes(entries)
        blob = compress(plain, compression)
        descs.append(dict(mediaType=LAYER_TYPES[compression], **_write_blob(layout, blob)))
        diff_ids.append(sha256(plain))
    env_list = ["%s=%s" % kv for kv in env.items()] if isinstance(env, dict) else list(env or [])
    if not any(e.startswith("PATH=") for e in env_list):
        env_list.insert(0, "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
    config = {"Env": env_list}
    for key, value in (("Entrypoint", entrypoint), ("Cmd", cmd), ("User", user),
                       ("WorkingDir", workdir), ("StopSignal", stop_signal),
                       ("Healthcheck", healthcheck)):
        if value is not None:
            config[key] = value
    if exposed_ports:
        config["ExposedPorts"] = {p: {} for p in exposed_ports}
    doc = {"architecture": "amd64", "os": "linux", "config": config,
           "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cd = _write_blob(layout, json.dumps(doc, sort_keys=True).encode())
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": dict(mediaType=OCI_CONFIG, **cd), "layers": descs},
                          sort_keys=True).encode()
    md = _write_blob(layout, manifest)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [dict(
            mediaType=OCI_MANIFEST, annotations={"org.opencontainers.image.ref.name": tag},
            **md)]}, f)
    return md["digest"], doc


def _write_blob(layout, data):
    digest = sha256(data)
    with open(os.path.join(layout, "blobs", "sha256", digest[7:]), "wb") as f:
        f.write(data)
    return {"digest": digest, "size": len(data)}


def skopeo_copy(layout, tag, dest, creds=None):
    """skopeo copy oci:<layout>:<tag> docker://<dest> over plain http."""
    cmd = ["skopeo", "copy", "--quiet", "--dest-tls-verify=false"]
    if creds:
        cmd += ["--dest-creds", creds]
    res = subprocess.run(cmd + ["oci:%s:%s" % (layout, tag), "docker://" + dest],
                         capture_output=True, timeout=300)
    if res.returncode != 0:
        raise AssertionError("skopeo copy to %s failed: %s" % (dest, res.stderr.decode()))


def push_image(n, repo, tag="latest", account=None, region="us-east-1", **image):
    """Builds an image (build_image's keyword arguments) and pushes it to nimbus `n` (a
    harness.Nimbus) as `repo:tag` in `account` (default: the open mode's 000000000000) and
    `region`, creating the repository unless it exists. Returns (repositoryUri, digest).

    The default account and region get a skopeo push over the registry API; others (which an
    open-mode registry cannot tell apart: skopeo only sends credentials when challenged) go
    through ECR's layer upload API with boto3 signed for that account and region."""
    ecr = n.client("ecr", access_key=account or "test", region=region)
    try:
        uri = ecr.create_repository(repositoryName=repo)["repository"]["repositoryUri"]
    except ecr.exceptions.RepositoryAlreadyExistsException:
        uri = ecr.describe_repositories(repositoryNames=[repo])["repositories"][0]["repositoryUri"]
    layout = tempfile.mkdtemp(prefix="nimbus-image-")
    try:
        digest, _ = build_image(layout, tag=tag, **image)
        if account in (None, "000000000000") and region == "us-east-1":
            skopeo_copy(layout, tag, "%s:%s" % (uri, tag))
        else:
            push_layout_with_api(ecr, repo, tag, layout, digest)
    finally:
        shutil.rmtree(layout, ignore_errors=True)
    # What the registry holds (skopeo gzips plain layers on the way, which changes the digest).
    images = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])
    return uri, images["imageDetails"][0]["imageDigest"]


def push_layout_with_api(ecr, repo, tag, layout, digest):
    """Uploads the layout's blobs with InitiateLayerUpload/UploadLayerPart/CompleteLayerUpload
    and puts the manifest `digest` with PutImage."""
    def blob(d):
        with open(os.path.join(layout, "blobs", "sha256", d[7:]), "rb") as f:
            return f.read()
    manifest = blob(digest)
    doc = json.loads(manifest)
    for desc in [doc["config"]] + doc["layers"]:
        data = blob(desc["digest"])
        upload = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
        ecr.upload_layer_part(repositoryName=repo, uploadId=upload, partFirstByte=0,
                              partLastByte=len(data) - 1, layerPartBlob=data)
        ecr.complete_layer_upload(repositoryName=repo, uploadId=upload,
                                  layerDigests=[desc["digest"]])
    ecr.put_image(repositoryName=repo, imageManifest=manifest.decode(), imageTag=tag,
                  imageManifestMediaType=OCI_MANIFEST)
