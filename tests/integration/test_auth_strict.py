"""--credentials FILE: every request must carry a valid SigV4 signature; each key maps to its
account. Checked with boto3, AWS CLI v1/v2 and the JS SDK, plus raw unsigned requests."""
import json
import os
import tempfile
import unittest
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

from harness import Nimbus

CREDS = """# access key           secret                account
AKIAALICE00000000001 alice-secret 111111111111
AKIABOB0000000000002 bob-secret   222222222222
"""


class StrictCredentials(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fd, cls.creds = tempfile.mkstemp(prefix="nimbus-creds-")
        with os.fdopen(fd, "w") as f:
            f.write(CREDS)
        cls.n = Nimbus("--credentials", cls.creds).start()

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()
        os.unlink(cls.creds)

    def sts(self, key, secret):
        return self.n.client("sts", access_key=key, secret_key=secret)

    def test_each_key_is_its_account(self):
        alice = self.sts("AKIAALICE00000000001", "alice-secret").get_caller_identity()
        bob = self.sts("AKIABOB0000000000002", "bob-secret").get_caller_identity()
        self.assertEqual(alice["Account"], "111111111111")
        self.assertEqual(bob["Account"], "222222222222")

    def test_cli_v1_v2_and_js_sign_correctly(self):
        creds = dict(access_key="AKIAALICE00000000001", secret_key="alice-secret")
        self.assertEqual(self.n.aws("sts", "get-caller-identity", **creds)["Account"], "111111111111")
        out = self.n.aws("sts", "get-caller-identity", v2=True, **creds)
        self.assertEqual(out["Account"], "111111111111")
        res = self.n.node("sts_identity.mjs", **creds)
        self.assertEqual(json.loads(res.stdout)["Account"], "111111111111")

    def test_wrong_secret_is_signature_does_not_match(self):
        with self.assertRaises(ClientError) as cm:
            self.sts("AKIAALICE00000000001", "wrong").get_caller_identity()
        err = cm.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(err["Error"]["Code"], "SignatureDoesNotMatch")

    def test_unknown_key_is_invalid_client_token_id(self):
        with self.assertRaises(ClientError) as cm:
            self.sts("AKIAUNKNOWN000000000", "x").get_caller_identity()
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidClientTokenId")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_js_sdk_wrong_secret(self):
        res = self.n.node("sts_identity.mjs", check=False, access_key="AKIAALICE00000000001",
                          secret_key="nope")
        self.assertEqual(res.returncode, 3)
        out = json.loads(res.stdout)
        self.assertEqual(out["error"], "SignatureDoesNotMatch")
        self.assertEqual(out["status"], 403)

    def test_unsigned_request_is_missing_authentication_token(self):
        req = urllib.request.Request(
            self.n.endpoint + "/", data=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"<Code>MissingAuthenticationToken</Code>", cm.exception.read())

    def test_presigned_url_is_verified(self):
        sts = self.sts("AKIAALICE00000000001", "alice-secret")
        url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
        with urllib.request.urlopen(url) as r:
            self.assertIn(b"<Account>111111111111</Account>", r.read())
        tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(tampered)
        self.assertEqual(cm.exception.code, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", cm.exception.read())


class BadCredentialsFile(unittest.TestCase):
    def test_malformed_file_fails_start_with_line_number(self):
        fd, path = tempfile.mkstemp(prefix="nimbus-creds-")
        with os.fdopen(fd, "w") as f:
            f.write("AKIAONLYTWOFIELDS secret\n")
        n = Nimbus("--credentials", path)
        with self.assertRaises(RuntimeError) as cm:
            n.start()
        self.assertIn(":1:", str(cm.exception))
        os.unlink(path)


if __name__ == "__main__":
    unittest.main()
