"""Lambda event source mappings from SQS with boto3 (and the CLI): CRUD with AWS's states and
errors for bad input, tags on mappings; messages invoke the function with AWS's Records[] event
and are deleted on success; FilterCriteria invokes for matches and deletes the rest;
ReportBatchItemFailures returns only the reported messages, a function error the whole batch, and
SQS's redrive moves them to the DLQ after maxReceiveCount; a disabled mapping stops polling;
mappings resume after a restart."""
import json
import time
import unittest

from harness import ClientErrorAssertions, Nimbus, log_events
from lambda_util import create

APP = """
import json
def handler(event, context):
    failed = []
    for r in event["Records"]:
        print("GOT " + json.dumps(r))
        if r["body"].startswith("raise"):
            raise Exception("asked to fail the batch")
        if r["body"].startswith("fail"):
            failed.append({"itemIdentifier": r["messageId"]})
    return {"batchItemFailures": failed}
"""

UUID_CHARS = set("0123456789abcdef-")


def wait_for(fn, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out waiting for " + what)


class LambdaSqs(ClientErrorAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.connect()
        create(cls.lam, "consumer", {"app.py": APP})
        create(cls.lam, "slow", {"app.py": APP}, Timeout=60)

    @classmethod
    def connect(cls):
        cls.lam = cls.n.client("lambda")
        cls.sqs = cls.n.client("sqs")
        cls.logs = cls.n.client("logs")

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def queue(self, name, **attrs):
        url = self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in
                                                                attrs.items()})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    def got(self, body_prefix):
        """The records the consumer printed whose body starts with body_prefix."""
        events = log_events(self.logs, "/aws/lambda/consumer", filterPattern='"GOT"')
        records = [json.loads(e["message"].split("GOT ", 1)[1]) for e in events
                   if "GOT " in e["message"]]
        return [r for r in records if r["body"].startswith(body_prefix)]

    def counts(self, url):
        a = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                          "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return (int(a["ApproximateNumberOfMessages"]),
                int(a["ApproximateNumberOfMessagesNotVisible"]))

    # -- control plane ---------------------------------------------------------------------
    def test_crud_states_and_listing(self):
        _, arn = self.queue("crud")
        m = self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer",
                                                 BatchSize=5, Enabled=False,
                                                 ScalingConfig={"MaximumConcurrency": 2},
                                                 FunctionResponseTypes=["ReportBatchItemFailures"])
        self.assertEqual(m["ResponseMetadata"]["HTTPStatusCode"], 202)
        uuid = m["UUID"]
        self.assertTrue(set(uuid) <= UUID_CHARS and len(uuid) == 36, uuid)
        self.assertEqual(m["State"], "Creating")
        self.assertEqual(m["StateTransitionReason"], "USER_INITIATED")
        self.assertEqual(m["BatchSize"], 5)
        self.assertEqual(m["MaximumBatchingWindowInSeconds"], 0)
        self.assertEqual(m["EventSourceArn"], arn)
        self.assertEqual(m["FunctionArn"],
                         "arn:aws:lambda:us-east-1:000000000000:function:consumer")
        self.assertEqual(m["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertEqual(m["ScalingConfig"], {"MaximumConcurrency": 2})
        self.assertEqual(m["EventSourceMappingArn"],
                         "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:" + uuid)
        got = self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual(got["State"], "Disabled")

        up = self.lam.update_event_source_mapping(UUID=uuid, Enabled=True, BatchSize=3)
        self.assertEqual(up["State"], "Enabling")
        self.assertEqual(up["BatchSize"], 3)
        up = self.lam.update_event_source_mapping(UUID=uuid, FunctionResponseTypes=[])
        self.assertEqual(up["State"], "Updating")
        self.assertEqual(up["FunctionResponseTypes"], [])
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["State"], "Enabled")

        listed = self.lam.list_event_source_mappings(FunctionName="consumer",
                                                     EventSourceArn=arn)["EventSourceMappings"]
        self.assertEqual([x["UUID"] for x in listed], [uuid])
        # The CLI sees the same mapping.
        cli = self.n.aws("lambda", "list-event-source-mappings", "--event-source-arn", arn)
        self.assertEqual([x["UUID"] for x in cli["EventSourceMappings"]], [uuid])

        self.assert_error("ResourceConflictException", self.lam.create_event_source_mapping,
                          "provided mapping already exists. Please update or delete the existing "
                          "mapping with UUID " + uuid, EventSourceArn=arn,
                          FunctionName="consumer")

        gone = self.lam.delete_event_source_mapping(UUID=uuid)
        self.assertEqual(gone["State"], "Deleting")
        self.assert_error("ResourceNotFoundException", self.lam.get_event_source_mapping,
                          UUID=uuid)
        self.assert_error("ResourceNotFoundException", self.lam.delete_event_source_mapping,
                          UUID=uuid)

    def test_bad_input_gets_aws_errors(self):
        _, arn = self.queue("bad-input")
        _, fifo_arn = self.queue("bad-input.fifo", FifoQueue="true")
        create_mapping = self.lam.create_event_source_mapping
        self.assert_error("InvalidParameterValueException", create_mapping,
                          "Maximum batch window in seconds must be greater than 0 if maximum "
                          "batch size is greater than 10", EventSourceArn=arn,
                          FunctionName="consumer", BatchSize=11)
        self.assert_error("ValidationException", create_mapping,
                          "Value '20000' at 'batchSize' failed to satisfy constraint",
                          EventSourceArn=arn, FunctionName="consumer", BatchSize=20000,
                          MaximumBatchingWindowInSeconds=1)
        self.assert_error("ValidationException", create_mapping,
                          "at 'scalingConfig.maximumConcurrency'", EventSourceArn=arn,
                          FunctionName="consumer", ScalingConfig={"MaximumConcurrency": 1001})
        self.assert_error("InvalidParameterValueException", create_mapping, "FIFO",
                          EventSourceArn=fifo_arn, FunctionName="consumer", BatchSize=11,
                          MaximumBatchingWindowInSeconds=1)
        self.assert_error("InvalidParameterValueException", create_mapping,
                          "AWS.SimpleQueueService.NonExistentQueue",
                          EventSourceArn=arn + "-missing", FunctionName="consumer")
        self.assert_error("ResourceNotFoundException", create_mapping,
                          "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
                          EventSourceArn=arn, FunctionName="nope")
        self.assert_error("InvalidParameterValueException", create_mapping,
                          "Queue visibility timeout: 30 seconds is less than Function timeout: "
                          "60 seconds", EventSourceArn=arn, FunctionName="slow")
        self.assert_error("InvalidParameterValueException", create_mapping,
                          "StartingPosition", EventSourceArn=arn, FunctionName="consumer",
                          StartingPosition="LATEST")
        self.assert_error("ResourceNotFoundException", self.lam.update_event_source_mapping,
                          UUID="00000000-0000-0000-0000-000000000000", BatchSize=2)
        self.assertEqual(self.lam.list_event_source_mappings(EventSourceArn=arn)
                         ["EventSourceMappings"], [])

    def test_tags_on_a_mapping(self):
        _, arn = self.queue("tagged")
        m = self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer",
                                                 Enabled=False, Tags={"team": "a"})
        mapping_arn = m["EventSourceMappingArn"]
        self.assertNotIn("LastProcessingResult", m)  # null for SQS sources, as AWS documents
        self.assertEqual(self.lam.list_tags(Resource=mapping_arn)["Tags"], {"team": "a"})
        self.lam.tag_resource(Resource=mapping_arn, Tags={"env": "dev"})
        self.lam.untag_resource(Resource=mapping_arn, TagKeys=["team"])
        self.assertEqual(self.lam.list_tags(Resource=mapping_arn)["Tags"], {"env": "dev"})
        cli = self.n.aws("lambda", "list-tags", "--resource", mapping_arn)
        self.assertEqual(cli["Tags"], {"env": "dev"})
        # Functions' tags still go to the function.
        fn_arn = self.lam.get_function(FunctionName="consumer")["Configuration"]["FunctionArn"]
        self.lam.tag_resource(Resource=fn_arn, Tags={"fn": "yes"})
        self.assertEqual(self.lam.list_tags(Resource=fn_arn)["Tags"].get("fn"), "yes")
        self.assert_error("InvalidParameterValueException", self.lam.tag_resource,
                          "Number of tags exceeds resource tag limit.", Resource=mapping_arn,
                          Tags={"k%d" % i: "v" for i in range(50)})
        self.lam.delete_event_source_mapping(UUID=m["UUID"])
        self.assert_error("ResourceNotFoundException", self.lam.list_tags, Resource=mapping_arn)

    def test_filter_criteria_invokes_matches_and_deletes_the_rest(self):
        url, arn = self.queue("filtered")
        self.assert_error("InvalidParameterValueException", self.lam.create_event_source_mapping,
                          "Invalid filter pattern definition.", EventSourceArn=arn,
                          FunctionName="consumer",
                          FilterCriteria={"Filters": [{"Pattern": '{"body": "keep"}'}]})
        self.assert_error("InvalidParameterValueException", self.lam.create_event_source_mapping,
                          "KMSKeyArn", EventSourceArn=arn, FunctionName="consumer",
                          KMSKeyArn="arn:aws:kms:us-east-1:000000000000:key/x")
        criteria = {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep"]}})},
                                {"Pattern": json.dumps({"body": [{"prefix": "filter-keep"}]})}]}
        m = self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer",
                                                 FilterCriteria=criteria,
                                                 ScalingConfig={"MaximumConcurrency": 2})
        self.assertEqual(m["FilterCriteria"], criteria)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=m["UUID"])["FilterCriteria"],
                         criteria)
        for body in ('{"kind": "keep", "n": 1}', '{"kind": "drop", "n": 2}', "filter-keep-3",
                     "filter-drop-4"):
            self.sqs.send_message(QueueUrl=url, MessageBody=body)
        # Matched messages invoke and are deleted; the others are deleted without an invoke.
        wait_for(lambda: self.counts(url) == (0, 0), what="every message handled or dropped")
        wait_for(lambda: self.got('{"kind": "keep"') and self.got("filter-keep"),
                 what="the matched messages at the function")
        self.assertEqual(self.got('{"kind": "drop"'), [])
        self.assertEqual(self.got("filter-drop"), [])
        cleared = self.lam.update_event_source_mapping(UUID=m["UUID"], FilterCriteria={})
        self.assertNotIn("FilterCriteria", cleared)
        self.sqs.send_message(QueueUrl=url, MessageBody="filter-drop-now-kept")
        wait_for(lambda: self.got("filter-drop-now-kept"), what="an unfiltered message")

    # -- polling ---------------------------------------------------------------------------
    def test_messages_reach_the_function_and_are_deleted(self):
        url, arn = self.queue("feed")
        self.sqs.send_message(QueueUrl=url, MessageBody="hello-1", MessageAttributes={
            "color": {"DataType": "String", "StringValue": "blue"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
        self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer",
                                             ScalingConfig={"MaximumConcurrency": 2})
        self.sqs.send_message(QueueUrl=url, MessageBody="hello-2")
        records = wait_for(lambda: len(self.got("hello-")) >= 2 and self.got("hello-"),
                           what="both messages at the function")
        first = [r for r in records if r["body"] == "hello-1"][0]
        self.assertEqual(first["eventSource"], "aws:sqs")
        self.assertEqual(first["eventSourceARN"], arn)
        self.assertEqual(first["awsRegion"], "us-east-1")
        self.assertEqual(first["attributes"]["ApproximateReceiveCount"], "1")
        for key in ("SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"):
            self.assertIn(key, first["attributes"])
        self.assertEqual(first["messageAttributes"]["color"],
                         {"stringValue": "blue", "stringListValues": [], "binaryListValues": [],
                          "dataType": "String"})
        self.assertEqual(first["messageAttributes"]["raw"]["binaryValue"], "AAE=")
        self.assertEqual(len(first["md5OfBody"]), 32)
        self.assertIn("md5OfMessageAttributes", first)
        self.assertTrue(first["receiptHandle"])
        wait_for(lambda: self.counts(url) == (0, 0), what="the queue to empty")

    def test_partial_failures_return_only_those_then_go_to_the_dlq(self):
        dlq_url, dlq_arn = self.queue("partial-dlq")
        url, arn = self.queue("partial", VisibilityTimeout=3, RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "partial-ok"}, {"Id": "b", "MessageBody": "fail-partial"}])
        self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer",
                                             FunctionResponseTypes=["ReportBatchItemFailures"],
                                             ScalingConfig={"MaximumConcurrency": 2})
        moved = wait_for(lambda: self.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1)
                         .get("Messages"), what="the failed message in the DLQ")
        self.assertEqual([m["Body"] for m in moved], ["fail-partial"])
        wait_for(lambda: len(self.got("fail-partial")) >= 2, what="the second try in the logs")
        counts = sorted(r["attributes"]["ApproximateReceiveCount"]
                        for r in self.got("fail-partial"))
        self.assertEqual(counts, ["1", "2"])
        # The message that succeeded was deleted after its first try.
        self.assertEqual([r["attributes"]["ApproximateReceiveCount"]
                          for r in wait_for(lambda: self.got("partial-ok"), what="its log")], ["1"])
        self.assertEqual(self.counts(url), (0, 0))

    def test_a_function_error_returns_the_whole_batch(self):
        dlq_url, dlq_arn = self.queue("whole-dlq")
        url, arn = self.queue("whole", VisibilityTimeout=3, RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "whole-fine"}, {"Id": "b", "MessageBody": "raise-whole"}])
        # ReportBatchItemFailures is not set: a function error fails every message of the batch.
        self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer",
                                             BatchSize=10, MaximumBatchingWindowInSeconds=1,
                                             ScalingConfig={"MaximumConcurrency": 2})
        bodies = []
        wait_for(lambda: bodies.extend(m["Body"] for m in self.sqs.receive_message(
            QueueUrl=dlq_url, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", []))
            or len(bodies) >= 2, what="the whole batch in the DLQ")
        self.assertEqual(sorted(bodies), ["raise-whole", "whole-fine"])

    def test_fifo_groups_reach_the_function_in_order(self):
        url, arn = self.queue("ordered.fifo", FifoQueue="true", ContentBasedDeduplication="true")
        for i in range(4):
            for group in ("g1", "g2"):
                self.sqs.send_message(QueueUrl=url, MessageBody="fifo-%s-%d" % (group, i),
                                      MessageGroupId=group)
        # One message a batch and two pollers: the groups interleave, each in its own order.
        self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer",
                                             BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
        wait_for(lambda: len(self.got("fifo-")) >= 8, what="every FIFO message")
        wait_for(lambda: self.counts(url) == (0, 0), what="the FIFO queue to empty")
        records = self.got("fifo-")
        for group in ("g1", "g2"):
            mine = [r for r in records if r["attributes"]["MessageGroupId"] == group]
            self.assertEqual([r["body"] for r in mine], ["fifo-%s-%d" % (group, i)
                                                         for i in range(4)])
            seqs = [int(r["attributes"]["SequenceNumber"]) for r in mine]
            self.assertEqual(seqs, sorted(seqs))
            self.assertTrue(all(r["attributes"]["MessageDeduplicationId"] for r in mine))

    def test_disabled_mapping_stops_polling_and_enabling_resumes(self):
        url, arn = self.queue("paused")
        uuid = self.lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName="consumer", Enabled=False,
            ScalingConfig={"MaximumConcurrency": 2})["UUID"]
        self.sqs.send_message(QueueUrl=url, MessageBody="paused-1")
        time.sleep(2)
        self.assertEqual(self.counts(url), (1, 0))
        self.assertEqual(self.got("paused-"), [])
        self.lam.update_event_source_mapping(UUID=uuid, Enabled=True)
        wait_for(lambda: self.counts(url) == (0, 0), what="the queue to empty once enabled")
        # The function's log line is shipped after the invocation: wait for it too.
        self.assertEqual(len(wait_for(lambda: self.got("paused-1"), what="the log line")), 1)

    def test_mappings_resume_after_a_restart(self):
        url, arn = self.queue("durable")
        uuid = self.lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName="consumer",
            ScalingConfig={"MaximumConcurrency": 2})["UUID"]
        self.n.restart()
        type(self).connect()  # a new port
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["State"], "Enabled")
        self.sqs.send_message(QueueUrl=url, MessageBody="durable-1")
        wait_for(lambda: self.got("durable-1"), what="the message after the restart")
        wait_for(lambda: self.counts(url) == (0, 0), what="the queue to empty")


if __name__ == "__main__":
    unittest.main()
