"""Async-invocation destinations: OnSuccess / OnFailure to another Lambda function, an SQS queue
or an SNS topic receive AWS's invocation record; a function's DeadLetterConfig queue or topic
gets the failed event with RequestID, ErrorCode and ErrorMessage attributes; EventBridge targets
are refused when configured (nimbus serves no event bus), as are ARNs of other services."""
import json
import time
import unittest
import uuid

from harness import Nimbus, log_events
from lambda_util import create, invoke

APP = """
import json
import time
def ok(event, context):
    return {"doubled": event.get("n", 0) * 2}
def fail(event, context):
    raise ValueError("no good: %s" % event.get("n"))
def flip(event, context):
    if event.get("fail"):
        raise ValueError("flipped: %s" % event.get("n"))
    return {"doubled": event.get("n", 0) * 2}
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

    def queue(self, name):
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def topic_into_queue(self, name):
        """A topic with a raw SQS subscription; returns the topic ARN and the queue's URL."""
        topic = self.sns.create_topic(Name=name)["TopicArn"]
        url, arn = self.queue(name + "-sub")
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                           Attributes={"RawMessageDelivery": "true"})
        return topic, url

    def receive(self, url, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2,
                                           MessageAttributeNames=["All"]).get("Messages")
            if got:
                return got[0]
        self.fail("nothing reached " + url)

    def test_sqs_and_sns_destinations_get_the_record(self):
        self.sqs, self.sns = self.n.client("sqs"), self.n.client("sns")
        ok_url, ok_arn = self.queue("dest-success")
        topic, fail_url = self.topic_into_queue("dest-failure")
        create(self.lam, "routed", {"app.py": APP}, handler="app.flip")
        self.lam.put_function_event_invoke_config(
            FunctionName="routed", MaximumRetryAttempts=0,
            DestinationConfig={"OnSuccess": {"Destination": ok_arn},
                               "OnFailure": {"Destination": topic}})
        invoke(self.lam, "routed", {"n": 4}, InvocationType="Event")
        rec = json.loads(self.receive(ok_url)["Body"])
        self.assertEqual(rec["version"], "1.0")
        self.assertEqual(rec["requestContext"]["condition"], "Success")
        self.assertEqual(rec["requestContext"]["approximateInvokeCount"], 1)
        self.assertTrue(rec["requestContext"]["functionArn"].endswith(":function:routed:$LATEST"))
        self.assertEqual(rec["requestPayload"], {"n": 4})
        self.assertEqual(rec["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(rec["responsePayload"], {"doubled": 8})

        invoke(self.lam, "routed", {"n": 5, "fail": True}, InvocationType="Event")
        rec = json.loads(self.receive(fail_url)["Body"])
        self.assertEqual(rec["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(rec["requestPayload"], {"n": 5, "fail": True})
        self.assertEqual(rec["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(rec["responsePayload"]["errorMessage"], "flipped: 5")

    def test_dead_letter_queue_and_topic_get_the_failed_event(self):
        self.sqs, self.sns = self.n.client("sqs"), self.n.client("sns")
        dlq_url, dlq_arn = self.queue("fn-dlq")
        create(self.lam, "doomed", {"app.py": APP}, handler="app.fail",
               DeadLetterConfig={"TargetArn": dlq_arn})
        self.lam.put_function_event_invoke_config(FunctionName="doomed", MaximumRetryAttempts=0)
        invoke(self.lam, "doomed", {"n": 9}, InvocationType="Event")
        m = self.receive(dlq_url)
        self.assertEqual(json.loads(m["Body"]), {"n": 9})
        attrs = m["MessageAttributes"]
        self.assertEqual(attrs["ErrorCode"], {"StringValue": "200", "DataType": "Number"})
        self.assertEqual(attrs["ErrorMessage"], {"StringValue": "no good: 9", "DataType": "String"})
        self.assertRegex(attrs["RequestID"]["StringValue"], r"^[0-9a-f-]{36}$")

        topic, sub_url = self.topic_into_queue("fn-dlq-topic")
        self.lam.update_function_configuration(FunctionName="doomed",
                                               DeadLetterConfig={"TargetArn": topic})
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="doomed")
        invoke(self.lam, "doomed", {"n": 10}, InvocationType="Event")
        m = self.receive(sub_url)
        self.assertEqual(json.loads(m["Body"]), {"n": 10})
        self.assertEqual(m["MessageAttributes"]["ErrorMessage"]["StringValue"], "no good: 10")

    def test_eventbridge_is_refused_when_configured(self):
        create(self.lam, "elsewhere", {"app.py": APP}, handler="app.ok")
        bus = "arn:aws:events:us-east-1:000000000000:event-bus/default"
        from botocore.exceptions import ClientError
        for key in ("OnSuccess", "OnFailure"):
            with self.assertRaises(ClientError) as cm:
                self.lam.put_function_event_invoke_config(
                    FunctionName="elsewhere", DestinationConfig={key: {"Destination": bus}})
            err = cm.exception.response["Error"]
            self.assertEqual(err["Code"], "InvalidParameterValueException")
            self.assertIn("nimbus does not serve EventBridge", err["Message"])
        with self.assertRaises(ClientError) as cm:
            self.lam.put_function_event_invoke_config(
                FunctionName="elsewhere",
                DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::bucket"}})
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "The destination ARN arn:aws:s3:::bucket is invalid.")
        # Nothing was stored.
        with self.assertRaises(ClientError):
            self.lam.get_function_event_invoke_config(FunctionName="elsewhere")
        # Missing Lambda targets are dropped at delivery (said on stderr); nimbus keeps serving.
        self.lam.put_function_event_invoke_config(
            FunctionName="elsewhere",
            DestinationConfig={"OnSuccess": {"Destination": self.sink_arn + "-gone"}})
        invoke(self.lam, "elsewhere", {"n": 3}, InvocationType="Event")
        self.wait_stderr("-gone dropped")
        self.assertEqual(json.loads(invoke(self.lam, "elsewhere", {"n": 4})["Body"]), {"doubled": 8})

if __name__ == "__main__":
    unittest.main()
