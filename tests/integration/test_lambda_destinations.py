"""Async-invocation destinations: OnSuccess / OnFailure to another Lambda function receive AWS's
invocation record; SQS/SNS/EventBridge targets are stored but not delivered (nimbus says so
once) and break nothing."""
import json
import time
import unittest
import uuid

from harness import Nimbus, log_events
from lambda_util import create, invoke

APP = """
import json
def ok(event, context):
    return {"doubled": event.get("n", 0) * 2}
def fail(event, context):
    raise ValueError("no good: %s" % event.get("n"))
def record(event, context):
    print("RECORD " + json.dumps(event))
    return "recorded"
"""


class LambdaDestinations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus("--lambda-async-retry-seconds", "1").start()
        cls.lam = cls.n.client("lambda")
        cls.logs = cls.n.client("logs")
        create(cls.lam, "sink", {"app.py": APP}, handler="app.record")
        cls.sink_arn = cls.lam.get_function(FunctionName="sink")["Configuration"]["FunctionArn"]

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def records(self, marker, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            events = log_events(self.logs, "/aws/lambda/sink", filterPattern='"%s"' % marker)
            found = [json.loads(e["message"].split("RECORD ", 1)[1]) for e in events
                     if "RECORD " in e["message"]]
            if found:
                return found
            time.sleep(0.3)
        self.fail("no invocation record with %s reached the sink" % marker)

    def wait_stderr(self, needle, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(needle in line for line in list(self.n.stderr_lines)):
                return
            time.sleep(0.1)
        self.fail("no stderr line with %r in %r" % (needle, self.n.stderr_lines[-10:]))

    def test_on_success_delivers_the_record_to_a_function(self):
        create(self.lam, "good", {"app.py": APP}, handler="app.ok")
        self.lam.put_function_event_invoke_config(
            FunctionName="good",
            DestinationConfig={"OnSuccess": {"Destination": self.sink_arn}})
        marker = uuid.uuid4().hex
        r = invoke(self.lam, "good", {"n": 21, "marker": marker}, InvocationType="Event")
        self.assertEqual(r["StatusCode"], 202)
        (rec,) = self.records(marker)
        self.assertEqual(rec["version"], "1.0")
        self.assertRegex(rec["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        ctx = rec["requestContext"]
        self.assertEqual(ctx["condition"], "Success")
        self.assertEqual(ctx["approximateInvokeCount"], 1)
        self.assertTrue(ctx["functionArn"].endswith(":function:good:$LATEST"), ctx)
        self.assertRegex(ctx["requestId"], r"^[0-9a-f-]{36}$")
        self.assertEqual(rec["requestPayload"], {"n": 21, "marker": marker})
        self.assertEqual(rec["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(rec["responsePayload"], {"doubled": 42})

    def test_on_failure_after_retries(self):
        create(self.lam, "bad", {"app.py": APP}, handler="app.fail")
        self.lam.put_function_event_invoke_config(
            FunctionName="bad", MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": self.sink_arn},
                               "OnSuccess": {"Destination": self.sink_arn}})
        marker = uuid.uuid4().hex
        invoke(self.lam, "bad", {"n": 7, "marker": marker}, InvocationType="Event")
        (rec,) = self.records(marker)
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 2)
        self.assertEqual(rec["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(rec["responsePayload"]["errorType"], "ValueError")
        self.assertEqual(rec["responsePayload"]["errorMessage"], "no good: 7")

    def test_other_services_are_stored_not_delivered(self):
        create(self.lam, "elsewhere", {"app.py": APP}, handler="app.ok")
        sqs = "arn:aws:sqs:us-east-1:000000000000:q"
        self.lam.put_function_event_invoke_config(
            FunctionName="elsewhere",
            DestinationConfig={"OnSuccess": {"Destination": sqs},
                               "OnFailure": {"Destination": "arn:aws:sns:us-east-1:000000000000:t"}})
        cfg = self.lam.get_function_event_invoke_config(FunctionName="elsewhere")
        self.assertEqual(cfg["DestinationConfig"]["OnSuccess"]["Destination"], sqs)
        for i in range(2):
            invoke(self.lam, "elsewhere", {"n": i}, InvocationType="Event")
        self.wait_stderr("delivery to sqs is not available")
        time.sleep(1)
        self.assertEqual(sum("delivery to sqs" in line for line in self.n.stderr_lines), 1)
        # Missing Lambda targets are dropped too; nimbus keeps serving.
        self.lam.put_function_event_invoke_config(
            FunctionName="elsewhere",
            DestinationConfig={"OnSuccess": {"Destination": self.sink_arn + "-gone"}})
        invoke(self.lam, "elsewhere", {"n": 3}, InvocationType="Event")
        self.wait_stderr("-gone dropped")
        self.assertEqual(json.loads(invoke(self.lam, "elsewhere", {"n": 4})["Body"]), {"doubled": 8})


if __name__ == "__main__":
    unittest.main()
