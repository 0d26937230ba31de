"""ECR with real registry clients: skopeo (OCI layout -> nimbus -> OCI layout, by tag and by
digest), podman push/pull, and the field-note case with the AWS CLI."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import Nimbus
from test_ecr_support import have, layout_files, make_layout, skopeo


@unittest.skipUnless(have("skopeo"), "skopeo is not installed (scripts/install-deps.sh test)")
class SkopeoTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="nimbus-ecr-")
        self.n = Nimbus().start()
        self.reg = "%s:%d" % (self.n.host, self.n.port)

    def tearDown(self):
        self.n.__exit__(None, None, None)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def test_field_note_case(self):
        n = self.n
        n.aws("ecr", "create-repository", "--repository-name", "demo")
        d1 = make_layout(self.path("one"), "1.10", layers=[{"app.txt": b"version one"}])
        d2 = make_layout(self.path("two"), "1.10", layers=[{"app.txt": b"version two"},
                                                            {"extra.txt": b"more"}])
        skopeo("copy", "--dest-tls-verify=false", "oci:%s:1.10" % self.path("one"),
               "docker://%s/demo:1.10" % self.reg)
        skopeo("copy", "--dest-tls-verify=false", "oci:%s:1.10" % self.path("two"),
               "docker://%s/demo:1.10" % self.reg)
        details = n.aws("ecr", "describe-images", "--repository-name", "demo")["imageDetails"]
        self.assertEqual(len(details), 2)
        by = {d["imageDigest"]: d for d in details}
        self.assertEqual(set(by), {d1, d2})
        self.assertNotIn("imageTags", by[d1])
        self.assertEqual(by[d2]["imageTags"], ["1.10"])
        # The old image still pulls by digest, byte for byte.
        skopeo("copy", "--src-tls-verify=false", "docker://%s/demo@%s" % (self.reg, d1),
               "oci:%s:old" % self.path("back-old"))
        self.assertEqual(layout_files(self.path("back-old")), layout_files(self.path("one")))
        skopeo("copy", "--src-tls-verify=false", "docker://%s/demo:1.10" % self.reg,
               "oci:%s:new" % self.path("back-new"))
        self.assertEqual(layout_files(self.path("back-new")), layout_files(self.path("two")))
        tags = json.loads(skopeo("list-tags", "--tls-verify=false",
                                 "docker://%s/demo" % self.reg).stdout)
        self.assertEqual(tags["Tags"], ["1.10"])

    def test_immutable_refusal_and_unknown_repository(self):
        n = self.n
        n.aws("ecr", "create-repository", "--repository-name", "frozen",
              "--image-tag-mutability", "IMMUTABLE")
        make_layout(self.path("a"), "v1", layers=[{"a": b"a"}])
        make_layout(self.path("b"), "v1", layers=[{"b": b"b"}])
        skopeo("copy", "--dest-tls-verify=false", "oci:%s:v1" % self.path("a"),
               "docker://%s/frozen:v1" % self.reg)
        res = skopeo("copy", "--dest-tls-verify=false", "oci:%s:v1" % self.path("b"),
                     "docker://%s/frozen:v1" % self.reg, check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("TAG_INVALID", res.stderr.decode().upper().replace(" ", "_"))
        self.assertEqual(len(n.aws("ecr", "list-images", "--repository-name", "frozen")["imageIds"]), 1)
        res = skopeo("copy", "--dest-tls-verify=false", "oci:%s:v1" % self.path("a"),
                     "docker://%s/missing:v1" % self.reg, check=False)
        self.assertNotEqual(res.returncode, 0)

    def test_nested_names_and_restart(self):
        n = self.n
        n.aws("ecr", "create-repository", "--repository-name", "org/team/app")
        d = make_layout(self.path("img"), "1", layers=[{"f": os.urandom(300000)}])
        skopeo("copy", "--dest-tls-verify=false", "oci:%s:1" % self.path("img"),
               "docker://%s/org/team/app:1" % self.reg)
        n.restart()
        self.reg = "%s:%d" % (n.host, n.port)
        skopeo("copy", "--src-tls-verify=false", "docker://%s/org/team/app@%s" % (self.reg, d),
               "oci:%s:1" % self.path("back"))
        self.assertEqual(layout_files(self.path("back")), layout_files(self.path("img")))


PODMAN_ENV_NOTE = "podman needs runc and root here"


@unittest.skipUnless(have("podman") and have("runc") and os.geteuid() == 0, PODMAN_ENV_NOTE)
class PodmanTest(unittest.TestCase):
    def podman(self, *args, check=True):
        cmd = ["podman", "--runtime", "runc", "--root", os.path.join(self.tmp, "root"),
               "--runroot", os.path.join(self.tmp, "runroot"), "--storage-driver", "vfs",
               "--cgroup-manager", "cgroupfs", "--events-backend", "none"] + list(args)
        res = subprocess.run(cmd, capture_output=True, timeout=300)
        if check and res.returncode != 0:
            raise AssertionError("podman %s: %s" % (" ".join(args), res.stderr.decode()))
        return res

    def test_push_pull(self):
        self.tmp = tempfile.mkdtemp(prefix="nimbus-podman-")
        try:
            with Nimbus() as n:
                reg = "%s:%d" % (n.host, n.port)
                n.aws("ecr", "create-repository", "--repository-name", "podman/demo")
                rootfs = os.path.join(self.tmp, "rootfs.tar")
                subprocess.run(["tar", "-cf", rootfs, "-C", os.path.dirname(__file__),
                                "harness.py"], check=True)
                self.podman("import", rootfs, "localhost/nimbus-test:1")
                password = n.aws("ecr", "get-login-password", v2=True, check=False).stdout.decode()
                self.podman("login", "--tls-verify=false", "-u", "AWS", "-p", password.strip(), reg)
                self.podman("push", "--tls-verify=false", "localhost/nimbus-test:1",
                            "%s/podman/demo:1.10" % reg)
                images = n.aws("ecr", "describe-images", "--repository-name", "podman/demo")
                self.assertEqual(images["imageDetails"][0]["imageTags"], ["1.10"])
                self.podman("rmi", "-a", "-f")
                self.podman("pull", "--tls-verify=false", "%s/podman/demo:1.10" % reg)
                out = self.podman("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.decode()
                self.assertIn("%s/podman/demo:1.10" % reg, out)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
