"""SQS with real clients: boto3 (json protocol), /usr/bin/aws v2 (this machine's CLI v2 speaks
the query protocol, XML answers), `aws` v1 (json). Queues, attributes, tags, messages and their
MD5s (the SDKs verify them), FIFO ordering and deduplication, long polls woken by a send,
visibility, redrive to a DLQ and back, purge, AWS's errors for bad input, and nothing
acknowledged lost across restart and kill -9."""
import hashlib
import json
import threading
import time
import unittest

from harness import ClientErrorAssertions, Nimbus


class SqsWithRealClients(ClientErrorAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.sqs = cls.n.client("sqs")

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def queue(self, name, **attrs):
        return self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in
                                                                 attrs.items()})["QueueUrl"]

    # -- queues ----------------------------------------------------------------------------
    def test_queue_url_create_idempotent_and_conflict(self):
        url = self.queue("idem", VisibilityTimeout=40)
        self.assertEqual(url, "%s/000000000000/idem" % self.n.endpoint)
        self.assertEqual(self.queue("idem", VisibilityTimeout=40), url)
        self.assertEqual(self.sqs.get_queue_url(QueueName="idem")["QueueUrl"], url)
        e = self.assert_error("QueueAlreadyExists", self.sqs.create_queue, QueueName="idem",
                              Attributes={"VisibilityTimeout": "41"})
        self.assertIn("VisibilityTimeout", e.response["Error"]["Message"])
        self.assertIsInstance(e, self.sqs.exceptions.QueueNameExists)
        with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
            self.sqs.get_queue_url(QueueName="missing")

    def test_list_queues_prefix_and_pages(self):
        for i in range(5):
            self.queue("page-%d" % i)
        self.queue("other-page")
        urls = self.sqs.list_queues(QueueNamePrefix="page-")["QueueUrls"]
        self.assertEqual([u.rsplit("/", 1)[1] for u in urls], ["page-%d" % i for i in range(5)])
        seen, token = [], None
        while True:
            kw = {"QueueNamePrefix": "page-", "MaxResults": 2}
            if token:
                kw["NextToken"] = token
            out = self.sqs.list_queues(**kw)
            seen += out.get("QueueUrls", [])
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual(seen, urls)
        self.assertNotIn("QueueUrls", self.sqs.list_queues(QueueNamePrefix="nothing-"))

    def test_attributes_defaults_set_and_validation(self):
        url = self.queue("attrs")
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(a["VisibilityTimeout"], "30")
        self.assertEqual(a["MaximumMessageSize"], "1048576")
        self.assertEqual(a["MessageRetentionPeriod"], "345600")
        self.assertEqual(a["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:attrs")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "3"})
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
        self.assertEqual(a["Attributes"], {"DelaySeconds": "3"})
        self.assert_error("InvalidAttributeValue", self.sqs.set_queue_attributes, QueueUrl=url,
                          Attributes={"DelaySeconds": "901"})
        self.assert_error("InvalidAttributeName", self.sqs.set_queue_attributes, QueueUrl=url,
                          Attributes={"Colour": "blue"})
        self.assert_error("InvalidAttributeName", self.sqs.set_queue_attributes, QueueUrl=url,
                          Attributes={"FifoQueue": "true"})
        self.assert_error("InvalidParameterValue", self.sqs.create_queue, QueueName="bad name")
        self.assert_error("InvalidParameterValue", self.sqs.create_queue, QueueName="x" * 81)
        self.assert_error("InvalidParameterValue", self.sqs.create_queue, QueueName="nofifo",
                          Attributes={"FifoQueue": "true"})

    def test_tags(self):
        url = self.sqs.create_queue(QueueName="tagged", tags={"a": "1"})["QueueUrl"]
        self.sqs.tag_queue(QueueUrl=url, Tags={"b": "2"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"a": "1", "b": "2"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["a"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"b": "2"})

    def test_permissions_edit_the_policy(self):
        url = self.queue("shared")
        self.sqs.add_permission(QueueUrl=url, Label="ops", AWSAccountIds=["111122223333"],
                                Actions=["SendMessage", "ReceiveMessage"])
        policy = json.loads(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "Policy"])["Attributes"]["Policy"])
        st = policy["Statement"][0]
        self.assertEqual(st["Sid"], "ops")
        self.assertEqual(st["Principal"], {"AWS": ["arn:aws:iam::111122223333:root"]})
        self.assertEqual(st["Action"], ["SQS:SendMessage", "SQS:ReceiveMessage"])
        self.assertEqual(st["Resource"], "arn:aws:sqs:us-east-1:000000000000:shared")
        self.assert_error("InvalidParameterValue", self.sqs.add_permission, QueueUrl=url,
                          Label="ops", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
        self.sqs.remove_permission(QueueUrl=url, Label="ops")
        self.assertNotIn("Attributes", self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["Policy"]))
        self.assert_error("InvalidParameterValue", self.sqs.remove_permission, QueueUrl=url,
                          Label="ops")

    def test_delete_queue(self):
        url = self.queue("doomed")
        self.sqs.delete_queue(QueueUrl=url)
        with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
            self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.assert_error("AWS.SimpleQueueService.QueueDeletedRecently", self.sqs.create_queue,
                          QueueName="doomed")

    # -- messages --------------------------------------------------------------------------
    def test_send_receive_delete_with_attributes_and_md5s(self):
        url = self.queue("msgs")
        attrs = {"s": {"DataType": "String", "StringValue": "héllo"},
                 "n": {"DataType": "Number", "StringValue": "-1.5e3"},
                 "b": {"DataType": "Binary.raw", "BinaryValue": b"\x00\xff\x10"}}
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="body ✓", MessageAttributes=attrs,
                                     MessageSystemAttributes={"AWSTraceHeader": {
                                         "DataType": "String", "StringValue": "Root=1-abc"}})
        # botocore checks MD5OfMessageBody and MD5OfMessageAttributes itself; the body's here too.
        self.assertEqual(sent["MD5OfMessageBody"],
                         hashlib.md5("body ✓".encode()).hexdigest())
        self.assertIn("MD5OfMessageSystemAttributes", sent)
        got = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                                       MessageSystemAttributeNames=["All"])["Messages"]
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], "body ✓")
        self.assertEqual(m["MessageAttributes"]["b"]["BinaryValue"], b"\x00\xff\x10")
        self.assertEqual(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertEqual(m["Attributes"]["AWSTraceHeader"], "Root=1-abc")
        self.assertIn("SentTimestamp", m["Attributes"])
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        self.assert_error("ReceiptHandleIsInvalid", self.sqs.delete_message, QueueUrl=url,
                          ReceiptHandle="garbage")

    def test_known_md5_of_message_attributes(self):
        # The value AWS's documented algorithm gives (and botocore recomputes on receive).
        url = self.queue("md5")
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            "a": {"DataType": "String", "StringValue": "x"}})
        data = (b"\x00\x00\x00\x01a" + b"\x00\x00\x00\x06String" + b"\x01" + b"\x00\x00\x00\x01x")
        self.assertEqual(sent["MD5OfMessageAttributes"], hashlib.md5(data).hexdigest())

    def test_batches(self):
        url = self.queue("batch")
        out = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2", "DelaySeconds": 0},
            {"Id": "c", "MessageBody": "3", "DelaySeconds": 901}])
        self.assertEqual(sorted(e["Id"] for e in out["Successful"]), ["a", "b"])
        self.assertEqual(out["Failed"][0]["Id"], "c")
        self.assertEqual(out["Failed"][0]["Code"], "InvalidParameterValue")
        self.assertTrue(out["Failed"][0]["SenderFault"])
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in got), ["1", "2"])
        out = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "x", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0}])
        self.assertEqual(out["Successful"], [{"Id": "x"}])
        got2 = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["MessageId"] for m in got2], [got[0]["MessageId"]])
        out = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "x", "ReceiptHandle": got2[0]["ReceiptHandle"]},
            {"Id": "y", "ReceiptHandle": got[1]["ReceiptHandle"]},
            {"Id": "z", "ReceiptHandle": "bogus"}])
        self.assertEqual(sorted(e["Id"] for e in out["Successful"]), ["x", "y"])
        self.assertEqual(out["Failed"][0]["Code"], "ReceiptHandleIsInvalid")
        self.assert_error("AWS.SimpleQueueService.EmptyBatchRequest",
                          self.sqs.send_message_batch, QueueUrl=url, Entries=[])
        self.assert_error("AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                          self.sqs.send_message_batch, QueueUrl=url,
                          Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
        self.assert_error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                          self.sqs.send_message_batch, QueueUrl=url,
                          Entries=[{"Id": "a", "MessageBody": "x"}] * 2)
        self.assert_error("AWS.SimpleQueueService.InvalidBatchEntryId",
                          self.sqs.send_message_batch, QueueUrl=url,
                          Entries=[{"Id": "a.b", "MessageBody": "x"}])

    def test_bad_messages(self):
        url = self.queue("badmsg")
        self.assert_error("InvalidParameterValue", self.sqs.send_message, QueueUrl=url,
                          MessageBody="x" * (1024 * 1024 + 1), message="shorter than 1048576")
        self.sqs.send_message(QueueUrl=url, MessageBody="x" * (1024 * 1024))
        self.assert_error("InvalidMessageContents", self.sqs.send_message, QueueUrl=url,
                          MessageBody="bad \x01 char")
        self.assert_error("InvalidParameterValue", self.sqs.send_message, QueueUrl=url,
                          MessageBody="x", MessageAttributes={
                              "k%d" % i: {"DataType": "String", "StringValue": "v"}
                              for i in range(11)})
        self.assert_error("InvalidParameterValue", self.sqs.send_message, QueueUrl=url,
                          MessageBody="x", MessageAttributes={
                              "k": {"DataType": "Float", "StringValue": "1"}})
        self.assert_error("InvalidParameterValue", self.sqs.send_message, QueueUrl=url,
                          MessageBody="x", MessageAttributes={
                              "k": {"DataType": "Number", "StringValue": "one"}})
        self.assert_error("InvalidParameterValue", self.sqs.receive_message, QueueUrl=url,
                          MaxNumberOfMessages=11)
        self.assert_error("InvalidParameterValue", self.sqs.receive_message, QueueUrl=url,
                          WaitTimeSeconds=21)
        self.assert_error("InvalidParameterValue", self.sqs.send_message, QueueUrl=url,
                          MessageBody="x", MessageDeduplicationId="d")

    def test_visibility_and_delay(self):
        url = self.queue("vis", DelaySeconds=1)
        self.sqs.send_message(QueueUrl=url, MessageBody="delayed")
        self.sqs.send_message(QueueUrl=url, MessageBody="now", DelaySeconds=0)
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["now"])
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(a["ApproximateNumberOfMessagesDelayed"], "1")
        self.assertEqual(a["ApproximateNumberOfMessagesNotVisible"], "1")
        # A long poll gets the delayed message when its delay ends.
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["delayed"])
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"],
                                           VisibilityTimeout=0)
        again = self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
        self.assertEqual(again[0]["Body"], "delayed")
        self.assert_error("AWS.SimpleQueueService.MessageNotInflight",
                          self.sqs.change_message_visibility, QueueUrl=url,
                          ReceiptHandle=again[0]["ReceiptHandle"], VisibilityTimeout=5)

    def test_long_poll_wakes_on_send(self):
        url = self.queue("poll")
        result = {}
        started = threading.Event()

        def poll():
            client = self.n.client("sqs", read_timeout=60)
            started.set()
            t0 = time.monotonic()
            out = client.receive_message(QueueUrl=url, WaitTimeSeconds=20)
            result["elapsed"] = time.monotonic() - t0
            result["messages"] = out.get("Messages", [])

        t = threading.Thread(target=poll)
        t.start()
        started.wait()
        time.sleep(0.5)
        self.sqs.send_message(QueueUrl=url, MessageBody="wake")
        t.join(60)
        self.assertEqual([m["Body"] for m in result["messages"]], ["wake"])
        # Woken by the send, not by the end of the 20 s wait.
        self.assertLess(result["elapsed"], 15)

    def test_purge_once_per_minute(self):
        url = self.queue("purge")
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.sqs.purge_queue(QueueUrl=url)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        e = self.assert_error("AWS.SimpleQueueService.PurgeQueueInProgress",
                              self.sqs.purge_queue, QueueUrl=url)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    # -- FIFO --------------------------------------------------------------------------------
    def test_fifo_order_groups_and_dedup(self):
        url = self.queue("order.fifo", FifoQueue="true")
        ids = []
        for i in range(4):
            r = self.sqs.send_message(QueueUrl=url, MessageBody="a%d" % i, MessageGroupId="A",
                                      MessageDeduplicationId="a%d" % i)
            ids.append(r["SequenceNumber"])
        self.sqs.send_message(QueueUrl=url, MessageBody="b0", MessageGroupId="B",
                              MessageDeduplicationId="b0")
        self.assertEqual(ids, sorted(ids))
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="a0 again", MessageGroupId="A",
                                    MessageDeduplicationId="a0")
        self.assertEqual(dup["SequenceNumber"], ids[0])
        first = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2,
                                         AttributeNames=["All"])["Messages"]
        self.assertEqual([m["Body"] for m in first], ["a0", "a1"])
        self.assertEqual(first[0]["Attributes"]["MessageGroupId"], "A")
        # Group A is in flight: only group B is receivable.
        second = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in second], ["b0"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        for m in first:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        third = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in third], ["a2", "a3"])

    def test_fifo_rules_content_dedup_and_attempt_id(self):
        url = self.queue("rules.fifo", FifoQueue="true", ContentBasedDeduplication="true")
        self.assert_error("MissingParameter", self.sqs.send_message, QueueUrl=url,
                          MessageBody="x")
        self.assert_error("InvalidParameterValue", self.sqs.send_message, QueueUrl=url,
                          MessageBody="x", MessageGroupId="g", DelaySeconds=5)
        a = self.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
        b = self.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
        self.assertEqual(a["MessageId"], b["MessageId"])
        r1 = self.sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="try-1")["Messages"]
        r2 = self.sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="try-1")["Messages"]
        self.assertEqual(r1[0]["MessageId"], r2[0]["MessageId"])
        plain = self.queue("nodedup.fifo", FifoQueue="true")
        self.assert_error("InvalidParameterValue", self.sqs.send_message, QueueUrl=plain,
                          MessageBody="x", MessageGroupId="g")

    # -- dead-letter queues ------------------------------------------------------------------
    def test_redrive_to_dlq_and_move_back(self):
        dlq = self.queue("dead")
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        src = self.queue("source", RedrivePolicy='{"deadLetterTargetArn":"%s","maxReceiveCount":2}'
                         % dlq_arn)
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])
        self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        for _ in range(2):
            got = self.sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"]
            self.assertEqual(got[0]["Body"], "poison")
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        dead = self.sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"],
                                        VisibilityTimeout=0)["Messages"]
        self.assertEqual(dead[0]["Body"], "poison")
        self.assertEqual(dead[0]["Attributes"]["DeadLetterQueueSourceArn"],
                         "arn:aws:sqs:us-east-1:000000000000:source")
        handle = self.sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
        self.assertTrue(handle)
        tasks = self.sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        self.assertEqual(tasks[0]["Status"], "COMPLETED")
        self.assertEqual(tasks[0]["ApproximateNumberOfMessagesMoved"], 1)
        back = self.sqs.receive_message(QueueUrl=src)["Messages"]
        self.assertEqual(back[0]["Body"], "poison")
        bad = '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":1}'
        self.assert_error("InvalidParameterValue", self.sqs.create_queue, QueueName="orphan",
                          Attributes={"RedrivePolicy": bad})
        # A DLQ whose RedriveAllowPolicy denies every source refuses to be one.
        closed = self.queue("closed-dlq", RedriveAllowPolicy='{"redrivePermission":"denyAll"}')
        closed_arn = self.sqs.get_queue_attributes(QueueUrl=closed, AttributeNames=[
            "QueueArn"])["Attributes"]["QueueArn"]
        bad = '{"deadLetterTargetArn":"%s","maxReceiveCount":1}' % closed_arn
        self.assert_error("InvalidParameterValue", self.sqs.create_queue, QueueName="orphan",
                          Attributes={"RedrivePolicy": bad})
        self.assert_error("InvalidParameterValue", self.sqs.start_message_move_task,
                          SourceArn=self.sqs.get_queue_attributes(
                              QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])

    # -- other clients ------------------------------------------------------------------------
    def test_cli_v2_query_protocol(self):
        url = self.queue("cli2")
        sent = self.n.aws("sqs", "send-message", "--queue-url", url, "--message-body", "hi",
                          "--message-attributes",
                          '{"k":{"DataType":"String","StringValue":"v"}}', v2=True)
        got = self.n.aws("sqs", "receive-message", "--queue-url", url,
                         "--message-attribute-names", "All", "--attribute-names", "All", v2=True)
        m = got["Messages"][0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["MessageAttributes"]["k"]["StringValue"], "v")
        attrs = self.n.aws("sqs", "get-queue-attributes", "--queue-url", url,
                           "--attribute-names", "All", v2=True)["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "1")
        batch = self.n.aws("sqs", "send-message-batch", "--queue-url", url, "--entries",
                           '[{"Id":"a","MessageBody":"x"},{"Id":"b","MessageBody":"y"}]', v2=True)
        self.assertEqual(sorted(e["Id"] for e in batch["Successful"]), ["a", "b"])
        self.n.aws("sqs", "tag-queue", "--queue-url", url, "--tags", "k=v", v2=True)
        self.assertEqual(self.n.aws("sqs", "list-queue-tags", "--queue-url", url,
                                    v2=True)["Tags"], {"k": "v"})
        res = self.n.aws("sqs", "get-queue-url", "--queue-name", "nope", v2=True, check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(b"AWS.SimpleQueueService.NonExistentQueue", res.stderr)

    def test_js_sdk_v3(self):
        res = self.n.node("sqs_roundtrip.mjs")
        out = json.loads(res.stdout.decode().strip().splitlines()[-1])
        self.assertEqual(out["url"], "%s/000000000000/js-queue" % self.n.endpoint)
        self.assertEqual(out["bodies"], ["b1", "b2", "from js"])
        self.assertEqual(out["number"], "42")
        self.assertEqual(out["binary"], [1, 2, 3])
        self.assertEqual(out["receiveCount"], "1")
        self.assertTrue(out["sequenceNumber"].isdigit())
        self.assertEqual(out["error"], "QueueDoesNotExist")
        self.assertEqual(out["status"], 400)

    def test_cli_v1(self):
        url = self.n.aws("sqs", "create-queue", "--queue-name", "cli1")["QueueUrl"]
        self.n.aws("sqs", "send-message", "--queue-url", url, "--message-body", "one")
        got = self.n.aws("sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "1")
        self.assertEqual(got["Messages"][0]["Body"], "one")
        self.n.aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle",
                   got["Messages"][0]["ReceiptHandle"])
        self.assertIn(url, self.n.aws("sqs", "list-queues")["QueueUrls"])


class SqsDurability(unittest.TestCase):
    def test_acknowledged_sends_survive_restart_and_kill_9(self):
        with Nimbus() as n:
            sqs = n.client("sqs")
            url = sqs.create_queue(QueueName="durable")["QueueUrl"]
            fifo = sqs.create_queue(QueueName="durable.fifo",
                                    Attributes={"FifoQueue": "true"})["QueueUrl"]
            sent = set()
            for i in range(50):
                sent.add(sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)["MessageId"])
            sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "MessageBody": "b%d" % i} for i in range(10)])
            sqs.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g",
                             MessageDeduplicationId="once")
            n.restart(sig=9)
            sqs = n.client("sqs")
            got = {}
            while True:
                out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
                if "Messages" not in out:
                    break
                for m in out["Messages"]:
                    got[m["MessageId"]] = m["Body"]
            self.assertTrue(sent <= set(got), "lost %s" % (sent - set(got)))
            self.assertEqual(len(got), 60)
            # The FIFO deduplication id is still remembered after the crash.
            dup = sqs.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g",
                                   MessageDeduplicationId="once")
            m = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
            self.assertEqual([x["MessageId"] for x in m], [dup["MessageId"]])
            n.restart()
            sqs = n.client("sqs")
            self.assertIn("durable.fifo", sqs.list_queues()["QueueUrls"][0] +
                          sqs.list_queues()["QueueUrls"][1])


if __name__ == "__main__":
    unittest.main()
