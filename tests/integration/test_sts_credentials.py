"""Temporary credentials from nimbus's STS (AssumeRole, GetSessionToken) work like AWS's: strict
mode accepts them until they expire, GetCallerIdentity shows the assumed role's session, and
strict mode keeps each account to its own roles. Driven by boto3 and both AWS CLIs."""
import datetime
import unittest

import boto3
import botocore.exceptions

from harness import Nimbus

CREDS = """AKIAALICE00000000001 alice-secret 111111111111
AKIABOB0000000000002 bob-secret   222222222222
"""
ALICE_ROLE = "arn:aws:iam::111111111111:role/deploy/ci-role"


def client_from(n, service, creds):
    return boto3.client(service, endpoint_url=n.endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


class StrictMode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().with_credentials(CREDS).start()
        # Without botocore's own checks: the bad-input test asks the server.
        cls.alice = cls.n.client("sts", access_key="AKIAALICE00000000001",
                                 secret_key="alice-secret", parameter_validation=False)

    @classmethod
    def tearDownClass(cls):
        cls.n.__exit__()

    def code(self, call, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            call(**kw)
        return e.exception.response["Error"]["Code"], e.exception.response["Error"]["Message"]

    def test_assumed_role_credentials_act_as_the_roles_session(self):
        out = self.alice.assume_role(RoleArn=ALICE_ROLE, RoleSessionName="build-42",
                                     DurationSeconds=900)
        user = out["AssumedRoleUser"]
        self.assertEqual(user["Arn"], "arn:aws:sts::111111111111:assumed-role/ci-role/build-42")
        self.assertRegex(user["AssumedRoleId"], r"^AROA[A-Z2-7]{17}:build-42$")
        creds = out["Credentials"]
        self.assertEqual(len(creds["AccessKeyId"]), 20)
        left = (creds["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        self.assertTrue(800 < left <= 900, left)
        me = client_from(self.n, "sts", creds).get_caller_identity()
        self.assertEqual(me["Account"], "111111111111")
        self.assertEqual(me["Arn"], user["Arn"])
        self.assertEqual(me["UserId"], user["AssumedRoleId"])
        # The role id is the role's: the same for another session.
        again = self.alice.assume_role(RoleArn=ALICE_ROLE, RoleSessionName="build-43")
        self.assertEqual(again["AssumedRoleUser"]["AssumedRoleId"].split(":")[0],
                         user["AssumedRoleId"].split(":")[0])
        # Other services accept them too, in the role's account.
        logs = client_from(self.n, "logs", creds)
        logs.create_log_group(logGroupName="/from/assumed-role")
        mine = self.n.client("logs", access_key="AKIAALICE00000000001", secret_key="alice-secret")
        names = [g["logGroupName"] for g in mine.describe_log_groups()["logGroups"]]
        self.assertIn("/from/assumed-role", names)
        # A wrong session token is an unknown key.
        bad = dict(creds, SessionToken="x" + creds["SessionToken"][1:])
        code, _ = self.code(client_from(self.n, "sts", bad).get_caller_identity)
        self.assertEqual(code, "InvalidClientTokenId")

    def test_another_accounts_role_is_denied(self):
        code, message = self.code(self.alice.assume_role,
                                  RoleArn="arn:aws:iam::222222222222:role/theirs",
                                  RoleSessionName="s1")
        self.assertEqual(code, "AccessDenied")
        self.assertIn("is not authorized to perform: sts:AssumeRole on resource: "
                      "arn:aws:iam::222222222222:role/theirs", message)

    def test_bad_input_is_a_validation_error(self):
        for kw in ({"RoleArn": ALICE_ROLE, "RoleSessionName": "has space"},
                   {"RoleArn": ALICE_ROLE, "RoleSessionName": "s1", "DurationSeconds": 43201},
                   {"RoleArn": "arn:aws:iam::111111111111:user/not-a-role",
                    "RoleSessionName": "s1"}):
            code, message = self.code(self.alice.assume_role, **kw)
            self.assertEqual(code, "ValidationError", message)
        code, message = self.code(self.alice.get_session_token, DurationSeconds=899)
        self.assertEqual(code, "ValidationError")
        self.assertIn("greater than or equal to 900", message)

    def test_session_token_from_both_clis_and_not_from_session_credentials(self):
        for v2 in (False, True):
            out = self.n.aws("sts", "get-session-token", v2=v2,
                             access_key="AKIAALICE00000000001", secret_key="alice-secret")
            me = client_from(self.n, "sts", out["Credentials"]).get_caller_identity()
            self.assertEqual(me["Account"], "111111111111")
            code, message = self.code(client_from(self.n, "sts", out["Credentials"])
                                      .get_session_token)
            self.assertEqual((code, message),
                             ("AccessDenied", "Cannot call GetSessionToken with session credentials"))


class OpenMode(unittest.TestCase):
    def test_any_role_is_assumed_and_its_account_used(self):
        with Nimbus() as n:
            out = n.client("sts").assume_role(RoleArn="arn:aws:iam::333333333333:role/r",
                                              RoleSessionName="s1")
            me = client_from(n, "sts", out["Credentials"]).get_caller_identity()
            self.assertEqual(me["Account"], "333333333333")
            self.assertEqual(me["Arn"], "arn:aws:sts::333333333333:assumed-role/r/s1")


if __name__ == "__main__":
    unittest.main()
