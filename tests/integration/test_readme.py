"""The README's "Try Lambda" walkthrough, run as written with AWS CLI v1 and v2 from a clean HOME
(nothing configured but the README's export line): its shell block's commands are extracted and
run one by one against a nimbus on port 0 (the README's endpoint substituted), in a directory
whose build/ is this build tree. `make run` is the harness's nimbus and `make examples` the
build's example zips (CMake fixture)."""
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import AWS_V1, AWS_V2, NIMBUS_BIN, Nimbus

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "README.md")
BUILD_DIR = os.environ.get("NIMBUS_BUILD_DIR") or os.path.dirname(os.path.abspath(NIMBUS_BIN))
README_ENDPOINT = "http://localhost:4566"


def walkthrough():
    """(commands of the section's shell blocks, its prose) with continuation lines joined."""
    text = open(README).read()
    start = text.index("### Try Lambda")
    end = text.index("\n## ", start)
    section = text[start:end]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line:
                commands.append(line)
    return commands, section


class ReadmeWalkthrough(unittest.TestCase):
    def run_walkthrough(self, cli, v2):
        commands, prose = walkthrough()
        self.assertEqual(commands[0], "make run")
        self.assertIn("make examples", commands)
        zip_path = os.path.join(BUILD_DIR, "examples", "hello-cpp.zip")
        self.assertTrue(os.path.exists(zip_path), "build the examples first: " + zip_path)
        with Nimbus() as n, tempfile.TemporaryDirectory() as work:
            home, bin_dir, cwd = (os.path.join(work, d) for d in ("home", "bin", "cwd"))
            for d in (home, bin_dir, cwd):
                os.mkdir(d)
            os.symlink(cli, os.path.join(bin_dir, "aws"))  # `aws` is the CLI under test
            os.symlink(BUILD_DIR, os.path.join(cwd, "build"))
            # A clean environment: no AWS settings, no config files, a fresh HOME.
            env = {"PATH": bin_dir + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                   "HOME": home, "LANG": "C.UTF-8"}
            outputs = []
            for cmd in commands:
                if cmd.startswith("make "):
                    continue  # the harness serves; the build made the example zips
                if cmd.startswith("export "):
                    for assignment in shlex.split(cmd)[1:]:
                        key, value = assignment.split("=", 1)
                        env[key] = value.replace(README_ENDPOINT, n.endpoint)
                    continue
                self.assertNotIn("localhost:4566", cmd, "endpoint only in the export line")
                res = self.sh(cmd, env, cwd)
                if "logs filter-log-events" in cmd:
                    # Logs ship a moment after the invoke, as on Lambda: the reader waits.
                    deadline = time.time() + 60
                    while "REPORT RequestId" not in res.stdout and time.time() < deadline:
                        time.sleep(0.5)
                        res = self.sh(cmd, env, cwd)
                    self.assertIn("START RequestId", res.stdout)
                    self.assertIn("REPORT RequestId", res.stdout)
                outputs.append(res.stdout)
            self.assertIn('{"message":"Hello,nimbus!","invocations":1}',
                          "".join(outputs).replace(" ", ""))
            with open(os.path.join(cwd, "out.json")) as f:
                self.assertIn("Hello, nimbus!", f.read())
            # The prose's `logs tail` (v2 only).
            tail = re.search(r"`(aws [^`]*logs tail\s+/aws/lambda/hello)`", prose)
            self.assertIsNotNone(tail)
            cmd = " ".join(tail.group(1).split())
            if v2:
                self.assertIn("REPORT RequestId", self.sh(cmd, env, cwd).stdout)
            else:
                res = subprocess.run(["bash", "-c", cmd], env=env, cwd=cwd, capture_output=True,
                                     text=True, timeout=120)
                self.assertNotEqual(res.returncode, 0)  # as the README says

    def sh(self, cmd, env, cwd):
        res = subprocess.run(["bash", "-c", cmd], env=env, cwd=cwd, capture_output=True,
                             text=True, timeout=180)
        self.assertEqual(res.returncode, 0, "%s\nstdout: %s\nstderr: %s"
                         % (cmd, res.stdout, res.stderr))
        return res

    def test_cli_v1(self):
        cli = shutil.which(AWS_V1) or AWS_V1
        if "/shims/" in cli:  # a pyenv shim: the script it runs works from any HOME
            cli = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True,
                                 check=True).stdout.strip()
        self.run_walkthrough(cli, v2=False)

    def test_cli_v2(self):
        self.run_walkthrough(AWS_V2, v2=True)


if __name__ == "__main__":
    unittest.main()
