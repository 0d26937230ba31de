"""The image cache ECR builds at start (data dir images/): what a kill -9 during an unpack
leaves in images/tmp is gone after a restart, without following symlinks out of it; finished
layers stay; --image-plain-http-registries is accepted. And a real one: nimbus killed while an
ECS task's image unpacks, then restarted, leaves no unpack behind and runs the task's image."""
import os
import signal
import time
import unittest

from harness import Nimbus
from images import Entry, have_busybox, push_image

WAIT = 120  # seconds: a loaded 2-core machine


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


    @unittest.skipUnless(have_busybox(), "needs busybox-static and skopeo")
    def test_kill_9_during_an_ecs_unpack(self):
        n = Nimbus("--ecs-echo-container-output", "1").start()
        try:
            # A plain (uncompressed) 160 MB layer above busybox: long enough to unpack that the
            # test sees it in progress.
            big = Entry("data/big", os.urandom(1 << 20) * 160)
            uri, digest = push_image(n, "big", cmd=["/bin/sh", "-c", "echo ran; wc -c /data/big"],
                                     layers=[[Entry("data", kind="dir"), big]],
                                     compression="none")
            ecs = n.client("ecs")
            # The real ECR URI form: it names nimbus's registry whatever port nimbus gets.
            image = "000000000000.dkr.ecr.us-east-1.amazonaws.com/big:latest"
            ecs.register_task_definition(family="big", containerDefinitions=[
                {"name": "app", "image": image, "memory": 64}])
            ecs.run_task(taskDefinition="big")
            tmp = os.path.join(n.data_dir, "images", "tmp")
            deadline = time.time() + WAIT
            while not os.listdir(tmp) and time.time() < deadline:
                time.sleep(0.005)
            if not os.listdir(tmp):
                self.skipTest("the unpack finished before the test saw it")
            n.stop(sig=signal.SIGKILL)
            self.assertNotEqual(os.listdir(tmp), [], "a half-done unpack is left by the kill")
            n.start()
            self.assertEqual(os.listdir(tmp), [])
            ecs = n.client("ecs")  # a new port
            # The image still runs (its layers unpack again, whole).
            arn = ecs.run_task(taskDefinition="big")["tasks"][0]["taskArn"]
            deadline = time.time() + WAIT
            while time.time() < deadline:
                task = ecs.describe_tasks(tasks=[arn])["tasks"][0]
                if task["lastStatus"] == "STOPPED":
                    break
                time.sleep(0.2)
            self.assertEqual(task["lastStatus"], "STOPPED", task)
            self.assertEqual(task["containers"][0].get("exitCode"), 0, task)
            self.assertEqual(task["containers"][0].get("imageDigest"), digest)
            self.assertTrue(any("%d /data/big" % (160 << 20) in l for l in n.stderr_lines),
                            n.stderr_lines[-20:])
        finally:
            n.stop()


if __name__ == "__main__":
    unittest.main()
