"""CloudWatch Logs with real clients: AWS CLI v1, /usr/bin/aws v2 (`logs tail`, `--follow`) and
boto3; AWS-shaped errors for bad input; events survive a restart."""
import json
import subprocess
import time
import unittest

from botocore.exceptions import ClientError

from harness import ClientErrorAssertions, AWS_V2, Nimbus


def now_ms():
    return int(time.time() * 1000)


class LogsWithRealClients(ClientErrorAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.logs = cls.n.client("logs")

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def make_stream(self, group, stream, messages=()):
        try:
            self.logs.create_log_group(logGroupName=group)
        except ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "ResourceAlreadyExistsException")
        self.logs.create_log_stream(logGroupName=group, logStreamName=stream)
        t = now_ms()
        if messages:
            self.logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
                {"timestamp": t + i, "message": m} for i, m in enumerate(messages)])
        return t

    # -- AWS CLI v1 -------------------------------------------------------------------------
    def test_cli_v1_round_trip(self):
        n = self.n
        n.aws("logs", "create-log-group", "--log-group-name", "/cli/v1")
        res = n.aws("logs", "create-log-group", "--log-group-name", "/cli/v1", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(b"ResourceAlreadyExistsException", res.stderr)
        n.aws("logs", "create-log-stream", "--log-group-name", "/cli/v1", "--log-stream-name", "s1")
        t = now_ms()
        events = [{"timestamp": t, "message": "hello ERROR one"},
                  {"timestamp": t + 1, "message": "plain two"}]
        out = n.aws("logs", "put-log-events", "--log-group-name", "/cli/v1", "--log-stream-name",
                    "s1", "--log-events", json.dumps(events))
        self.assertNotIn("rejectedLogEventsInfo", out)
        got = n.aws("logs", "get-log-events", "--log-group-name", "/cli/v1", "--log-stream-name",
                    "s1", "--start-from-head")
        self.assertEqual([e["message"] for e in got["events"]], ["hello ERROR one", "plain two"])
        self.assertTrue(got["nextForwardToken"].startswith("f/"))
        self.assertTrue(got["nextBackwardToken"].startswith("b/"))
        flt = n.aws("logs", "filter-log-events", "--log-group-name", "/cli/v1",
                    "--filter-pattern", "ERROR")
        self.assertEqual([e["message"] for e in flt["events"]], ["hello ERROR one"])
        self.assertEqual(flt["events"][0]["logStreamName"], "s1")
        streams = n.aws("logs", "describe-log-streams", "--log-group-name", "/cli/v1")
        s = streams["logStreams"][0]
        self.assertEqual(s["firstEventTimestamp"], t)
        self.assertEqual(s["lastEventTimestamp"], t + 1)
        self.assertEqual(s["arn"], "arn:aws:logs:us-east-1:000000000000:log-group:/cli/v1:"
                                   "log-stream:s1")
        groups = n.aws("logs", "describe-log-groups", "--log-group-name-prefix", "/cli/v1")
        self.assertEqual(groups["logGroups"][0]["arn"],
                         "arn:aws:logs:us-east-1:000000000000:log-group:/cli/v1:*")
        n.aws("logs", "delete-log-group", "--log-group-name", "/cli/v1")
        res = n.aws("logs", "get-log-events", "--log-group-name", "/cli/v1", "--log-stream-name",
                    "s1", check=False)
        self.assertIn(b"The specified log group does not exist.", res.stderr)

    def test_cli_v1_describe_paginates(self):
        for i in range(5):
            self.logs.create_log_group(logGroupName="/page/g%d" % i)
        out = self.n.aws("logs", "describe-log-groups", "--log-group-name-prefix", "/page/",
                         "--page-size", "2")
        self.assertEqual([g["logGroupName"] for g in out["logGroups"]],
                         ["/page/g%d" % i for i in range(5)])

    # -- AWS CLI v2: tail ------------------------------------------------------------------
    def test_cli_v2_tail(self):
        self.make_stream("/tail/once", "app", ["first line", "second line"])
        res = subprocess.run([AWS_V2, "--endpoint-url", self.n.endpoint, "logs", "tail",
                              "/tail/once"], capture_output=True, env=self.n.client_env(),
                             timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        out = res.stdout.decode()
        self.assertIn("app first line", out)
        self.assertIn("app second line", out)
        res = subprocess.run([AWS_V2, "--endpoint-url", self.n.endpoint, "logs", "tail",
                              "/tail/nope"], capture_output=True, env=self.n.client_env(),
                             timeout=60)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(b"ResourceNotFoundException", res.stderr)

    def test_cli_v2_tail_follow(self):
        self.make_stream("/tail/follow", "app", ["before"])
        with self.n.log_tail_follow("/tail/follow") as read_until:
            time.sleep(1.5)
            self.logs.put_log_events(logGroupName="/tail/follow", logStreamName="app",
                                     logEvents=[{"timestamp": now_ms(), "message": "after"}])
            seen = read_until(b"after", 15)
            self.assertIn(b"before", seen)
            self.assertIn(b"after", seen)
            self.assertEqual(seen.count(b"before"), 1)  # no duplicates across polls

    # -- boto3 -------------------------------------------------------------------------------
    def test_boto3_get_log_events_until_same_token(self):
        self.make_stream("/boto/get", "s", ["e%d" % i for i in range(25)])
        kw = {"logGroupName": "/boto/get", "logStreamName": "s", "startFromHead": True,
              "limit": 10}
        seen, token = [], None
        for _ in range(10):
            out = self.logs.get_log_events(**kw)
            seen += [e["message"] for e in out["events"]]
            if out["nextForwardToken"] == kw.get("nextToken"):
                break
            kw["nextToken"] = out["nextForwardToken"]
            token = out["nextForwardToken"]
        self.assertEqual(seen, ["e%d" % i for i in range(25)])
        self.assertEqual(kw["nextToken"], token)
        newest = self.logs.get_log_events(logGroupName="/boto/get", logStreamName="s", limit=3)
        self.assertEqual([e["message"] for e in newest["events"]], ["e22", "e23", "e24"])
        # A token at the end of int64: past every event, answered with itself, no overflow.
        last = "f/%028d%028d" % (2 ** 62, 2 ** 63 - 1)
        out = self.logs.get_log_events(logGroupName="/boto/get", logStreamName="s",
                                       nextToken=last, startFromHead=True)
        self.assertEqual(out["events"], [])
        self.assertEqual(out["nextForwardToken"], last)
        self.assertEqual(out["nextBackwardToken"], "b/%028d%028d" % (2 ** 62, 2 ** 63 - 1))

    def test_boto3_filter_paginator_and_streams(self):
        t = self.make_stream("/boto/filter", "a", ["x ERROR 1", "ok", "x ERROR 2"])
        self.logs.create_log_stream(logGroupName="/boto/filter", logStreamName="b")
        # Stream a's last event is at t + 2; b's must be later even on a host fast enough to
        # put both within the same millisecond, or ordering by LastEventTime is a tie.
        self.logs.put_log_events(logGroupName="/boto/filter", logStreamName="b", logEvents=[
            {"timestamp": max(now_ms(), t + 3), "message": "b ERROR"}])
        pages = self.logs.get_paginator("filter_log_events").paginate(
            logGroupName="/boto/filter", filterPattern="ERROR",
            PaginationConfig={"PageSize": 1})
        msgs = [e["message"] for p in pages for e in p["events"]]
        self.assertEqual(sorted(msgs), ["b ERROR", "x ERROR 1", "x ERROR 2"])
        out = self.logs.filter_log_events(logGroupName="/boto/filter", logStreamNames=["b"])
        self.assertEqual([e["message"] for e in out["events"]], ["b ERROR"])
        out = self.logs.filter_log_events(logGroupName="/boto/filter",
                                          filterPattern='"x ERROR 2"')
        self.assertEqual(len(out["events"]), 1)
        streams = self.logs.describe_log_streams(logGroupName="/boto/filter",
                                                 orderBy="LastEventTime", descending=True)
        self.assertEqual([s["logStreamName"] for s in streams["logStreams"]], ["b", "a"])
        self.assert_error("InvalidParameterException", self.logs.describe_log_streams,
                          logGroupName="/boto/filter", orderBy="LastEventTime",
                          logStreamNamePrefix="a")

    def test_boto3_retention_and_tags(self):
        self.logs.create_log_group(logGroupName="/boto/ret", tags={"a": "1"})
        self.logs.put_retention_policy(logGroupName="/boto/ret", retentionInDays=7)
        g = self.logs.describe_log_groups(logGroupNamePrefix="/boto/ret")["logGroups"][0]
        self.assertEqual(g["retentionInDays"], 7)
        self.assert_error("InvalidParameterException", self.logs.put_retention_policy,
                          "enum value set", logGroupName="/boto/ret", retentionInDays=2)
        self.logs.delete_retention_policy(logGroupName="/boto/ret")
        g = self.logs.describe_log_groups(logGroupNamePrefix="/boto/ret")["logGroups"][0]
        self.assertNotIn("retentionInDays", g)
        self.logs.tag_resource(resourceArn=g["arn"], tags={"b": "2"})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=g["arn"])["tags"],
                         {"a": "1", "b": "2"})
        self.logs.untag_resource(resourceArn=g["logGroupArn"], tagKeys=["a"])
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/boto/ret")["tags"],
                         {"b": "2"})

    def test_boto3_bad_input(self):
        L = self.logs
        self.make_stream("/bad/g", "s")
        self.assert_error("ResourceNotFoundException", L.put_log_events,
                          "The specified log group does not exist.", logGroupName="/bad/none",
                          logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "m"}])
        self.assert_error("ResourceNotFoundException", L.put_log_events,
                          "The specified log stream does not exist.", logGroupName="/bad/g",
                          logStreamName="none",
                          logEvents=[{"timestamp": now_ms(), "message": "m"}])
        self.assert_error("InvalidParameterException", L.get_log_events,
                          "The specified nextToken is invalid.", logGroupName="/bad/g",
                          logStreamName="s", nextToken="f/bogus")
        self.assert_error("InvalidParameterException", L.filter_log_events,
                          "The specified nextToken is invalid.", logGroupName="/bad/g",
                          nextToken="bogus")
        t = now_ms()
        self.assert_error("InvalidParameterException", L.put_log_events, "10000",
                          logGroupName="/bad/g", logStreamName="s",
                          logEvents=[{"timestamp": t, "message": "m"}] * 10001)
        self.assert_error("InvalidParameterException", L.put_log_events, "Upload too large",
                          logGroupName="/bad/g", logStreamName="s",
                          logEvents=[{"timestamp": t, "message": "x" * 600000}] * 2)
        self.assert_error("InvalidParameterException", L.put_log_events, "chronological",
                          logGroupName="/bad/g", logStreamName="s",
                          logEvents=[{"timestamp": t, "message": "a"},
                                     {"timestamp": t - 5, "message": "b"}])
        self.assert_error("InvalidParameterException", L.create_log_group,
                          "regular expression pattern", logGroupName="bad:name")
        self.assert_error("InvalidParameterException", L.create_log_stream, "[^:*]*",
                          logGroupName="/bad/g", logStreamName="a*b")
        self.assert_error("ResourceAlreadyExistsException", L.create_log_stream,
                          logGroupName="/bad/g", logStreamName="s")
        self.assert_error("ResourceNotFoundException", L.delete_log_stream,
                          logGroupName="/bad/g", logStreamName="none")
        out = L.put_log_events(logGroupName="/bad/g", logStreamName="s", logEvents=[
            {"timestamp": t - 20 * 86400000, "message": "old"},
            {"timestamp": t, "message": "fine"}])
        self.assertEqual(out["rejectedLogEventsInfo"], {"tooOldLogEventEndIndex": 0})

    def test_accounts_are_separate(self):
        self.make_stream("/acct/g", "s", ["mine"])
        other = self.n.client("logs", access_key="123456789012")
        self.assertEqual(other.describe_log_groups(logGroupNamePrefix="/acct/")["logGroups"], [])


class LogsPersistence(unittest.TestCase):
    def test_events_survive_kill_9(self):
        with Nimbus() as n:
            logs = n.client("logs")
            logs.create_log_group(logGroupName="/persist")
            logs.create_log_stream(logGroupName="/persist", logStreamName="s")
            logs.put_log_events(logGroupName="/persist", logStreamName="s",
                                logEvents=[{"timestamp": now_ms(), "message": "kept"}])
            n.restart(sig=9)
            logs = n.client("logs")
            out = logs.get_log_events(logGroupName="/persist", logStreamName="s")
            self.assertEqual([e["message"] for e in out["events"]], ["kept"])


if __name__ == "__main__":
    unittest.main()
