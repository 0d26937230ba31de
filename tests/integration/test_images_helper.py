"""images.py (the busybox images other tests run) against a real nimbus: what it pushes is what
ECR serves, in another account too, and the config says what was asked."""
import json
import subprocess
import unittest

from harness import Nimbus
from images import LAYER_TYPES, have_busybox, push_image


@unittest.skipUnless(have_busybox(), "busybox-static or skopeo missing (install-deps.sh test)")
class ImagesHelperTest(unittest.TestCase):
    def test_pushes_a_busybox_image_with_its_config(self):
        with Nimbus().start() as n:
            config = dict(entrypoint=["/bin/sh", "-c"], cmd=["echo hi"], env={"A": "b"},
                          user="1000:1000", workdir="/srv", stop_signal="SIGQUIT",
                          files={"srv/run.sh": (b"#!/bin/sh\necho run\n", 0o755)})
            # Another account: through ECR's upload API.
            uri, digest = push_image(n, "helper/busybox", tag="v1", compression="zstd",
                                     account="123456789012", **config)
            self.assertEqual(uri, "%s:%d/helper/busybox" % (n.host, n.port))
            ecr = n.client("ecr", access_key="123456789012")
            image = ecr.batch_get_image(repositoryName="helper/busybox",
                                        imageIds=[{"imageTag": "v1"}])["images"][0]
            self.assertEqual(image["imageId"]["imageDigest"], digest)
            manifest = json.loads(image["imageManifest"])
            self.assertEqual([l["mediaType"] for l in manifest["layers"]],
                             [LAYER_TYPES["zstd"]] * 2)
            # The default account: with skopeo, and pulled back with skopeo.
            uri, _ = push_image(n, "helper/plain", **config)
            res = subprocess.run(["skopeo", "inspect", "--config", "--tls-verify=false",
                                  "docker://%s:latest" % uri], capture_output=True, timeout=120)
            self.assertEqual(res.returncode, 0, res.stderr.decode())
            got = json.loads(res.stdout)["config"]
            self.assertEqual(got["Entrypoint"], ["/bin/sh", "-c"])
            self.assertEqual(got["Cmd"], ["echo hi"])
            self.assertIn("A=b", got["Env"])
            self.assertEqual(got["User"], "1000:1000")
            self.assertEqual(got["WorkingDir"], "/srv")
            self.assertEqual(got["StopSignal"], "SIGQUIT")
            # The default account does not see it.
            other = n.client("ecr")
            with self.assertRaises(other.exceptions.RepositoryNotFoundException):
                other.describe_repositories(repositoryNames=["helper/busybox"])


if __name__ == "__main__":
    unittest.main()
