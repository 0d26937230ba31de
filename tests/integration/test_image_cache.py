"""The image cache ECR builds at start (data dir images/): what a kill -9 during an unpack
leaves in images/tmp is gone after a restart, without following symlinks out of it; finished
layers stay; --image-plain-http-registries is accepted."""
import os
import signal
import unittest

from harness import Nimbus


class ImageCacheStartTest(unittest.TestCase):
    def test_leftovers_of_a_killed_unpack_are_removed_at_start(self):
        n = Nimbus("--image-plain-http-registries", "127.0.0.1:5000,localhost:5001").start()
        try:
            images = os.path.join(n.data_dir, "images")
            for sub in ("layers", "tmp", "blobs", "refs"):
                self.assertTrue(os.path.isdir(os.path.join(images, sub)), sub)
            self.assertEqual(os.stat(images).st_mode & 0o777, 0o700)
            # What an unpack in progress looks like when nimbus is killed: a half-written tree
            # (with a symlink pointing out of it) in tmp/, and a finished layer beside it.
            half = os.path.join(images, "tmp", "4242-0")
            os.makedirs(os.path.join(half, "usr", "bin"))
            with open(os.path.join(half, "usr", "bin", "half"), "w") as f:
                f.write("partial")
            outside = os.path.join(n.data_dir, "outside")
            os.makedirs(outside)
            with open(os.path.join(outside, "keep"), "w") as f:
                f.write("keep")
            os.symlink(outside, os.path.join(half, "escape"))
            done = os.path.join(images, "layers", "a" * 64 + "-0")
            os.makedirs(os.path.join(done, "etc"))
            n.restart(sig=signal.SIGKILL)
            self.assertEqual(os.listdir(os.path.join(images, "tmp")), [])
            self.assertTrue(os.path.isdir(os.path.join(done, "etc")))
            with open(os.path.join(outside, "keep")) as f:
                self.assertEqual(f.read(), "keep")
            # ECR still serves after the restart.
            n.aws("ecr", "create-repository", "--repository-name", "after")
        finally:
            n.stop()


if __name__ == "__main__":
    unittest.main()
