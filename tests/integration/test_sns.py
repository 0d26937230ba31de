"""SNS with real clients (boto3, both AWS CLIs) against a real nimbus: the field-note flow with a
local HTTP endpoint (subscribe, confirm by GET, publish, receive, unsubscribe), signatures v1 and
v2, raw delivery, retries per DeliveryPolicy with a compressed clock, filter policies on HTTP
subscriptions, email to the mailbox file, AWS's errors, FIFO topics, and nothing accepted lost
across kill -9."""
import json
import os
import signal
import subprocess
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError

import lambda_util
from harness import HERE, NIMBUS_BIN, Nimbus, log_events
from sns_util import Endpoint, ca_path, issue_cert, self_signed_ca, verify


def error_of(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], \
            e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("no error")


def subscribe_confirmed(n, sns, topic, endpoint, **attrs):
    """Subscribes `endpoint` and confirms by a plain GET of SubscribeURL; returns the ARN."""
    before = len(endpoint.messages("SubscriptionConfirmation"))
    r = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url,
                      Attributes=attrs)
    assert r["SubscriptionArn"] == "pending confirmation", r
    _, headers, msg = endpoint.wait(before + 1, "SubscriptionConfirmation")[-1]
    verify(msg, n)
    body = urllib.request.urlopen(msg["SubscribeURL"]).read().decode()
    arn = body.split("<SubscriptionArn>")[1].split("<")[0]
    return arn


class SnsFlow(unittest.TestCase):
    def test_field_note_flow(self):
        ep = Endpoint()
        with Nimbus() as n:
            sns = n.client("sns")
            topic = sns.create_topic(Name="orders")["TopicArn"]
            self.assertEqual(topic, "arn:aws:sns:us-east-1:000000000000:orders")
            self.assertEqual(sns.create_topic(Name="orders")["TopicArn"], topic)  # idempotent
            r = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=ep.url)
            self.assertEqual(r["SubscriptionArn"], "pending confirmation")
            _, headers, confirm = ep.wait(1, "SubscriptionConfirmation")[0]
            self.assertEqual(headers["x-amz-sns-topic-arn"], topic)
            self.assertEqual(headers["x-amz-sns-message-id"], confirm["MessageId"])
            self.assertEqual(headers["Content-Type"], "text/plain; charset=UTF-8")
            self.assertEqual(headers["User-Agent"], "Amazon Simple Notification Service Agent")
            self.assertNotIn("x-amz-sns-subscription-arn", headers)
            self.assertEqual(list(confirm), ["Type", "MessageId", "Token", "TopicArn", "Message",
                                             "SubscribeURL", "Timestamp", "SignatureVersion",
                                             "Signature", "SigningCertURL"])
            self.assertTrue(confirm["SubscribeURL"].startswith(n.endpoint + "/?Action="))
            verify(confirm, n)
            # Nothing is delivered before confirmation.
            sns.publish(TopicArn=topic, Message="too early")
            pending = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
            self.assertEqual(pending[0]["SubscriptionArn"], "PendingConfirmation")
            # A plain GET of SubscribeURL confirms.
            page = urllib.request.urlopen(confirm["SubscribeURL"]).read().decode()
            sub = page.split("<SubscriptionArn>")[1].split("<")[0]
            self.assertTrue(sub.startswith(topic + ":"))
            attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
            self.assertEqual(attrs["PendingConfirmation"], "false")
            self.assertEqual(attrs["Endpoint"], ep.url)
            self.assertIn("healthyRetryPolicy", attrs["EffectiveDeliveryPolicy"])

            mid = sns.publish(
                TopicArn=topic, Message="hello", Subject="greeting",
                MessageAttributes={
                    "store": {"DataType": "String", "StringValue": "example"},
                    "price": {"DataType": "Number", "StringValue": "210.75"},
                    "tags": {"DataType": "String.Array", "StringValue": '["a", "b"]'},
                    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
                })["MessageId"]
            _, headers, note = ep.wait(1, "Notification")[0]
            self.assertEqual(headers["x-amz-sns-subscription-arn"], sub)
            self.assertEqual(headers["x-amz-sns-message-id"], mid)
            self.assertEqual(list(note), ["Type", "MessageId", "TopicArn", "Subject", "Message",
                                          "Timestamp", "SignatureVersion", "Signature",
                                          "SigningCertURL", "UnsubscribeURL",
                                          "MessageAttributes"])
            self.assertEqual(note["Message"], "hello")
            self.assertEqual(note["Subject"], "greeting")
            self.assertEqual(note["SignatureVersion"], "1")
            self.assertEqual(note["MessageAttributes"]["price"],
                             {"Type": "Number", "Value": "210.75"})
            self.assertEqual(note["MessageAttributes"]["blob"], {"Type": "Binary",
                                                                 "Value": "AAE="})
            verify(note, n)

            # SignatureVersion 2: SHA256withRSA.
            sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion",
                                     AttributeValue="2")
            sns.publish(TopicArn=topic, Message="v2")
            note2 = ep.wait(2, "Notification")[1][2]
            self.assertEqual(note2["SignatureVersion"], "2")
            self.assertNotIn("Subject", note2)
            verify(note2, n)

            # MessageStructure=json: the http entry, else default.
            sns.publish(TopicArn=topic, MessageStructure="json",
                        Message=json.dumps({"default": "d", "http": "for http"}))
            self.assertEqual(ep.wait(3, "Notification")[2][2]["Message"], "for http")

            # Raw delivery: the bare message.
            sns.set_subscription_attributes(SubscriptionArn=sub,
                                            AttributeName="RawMessageDelivery",
                                            AttributeValue="true")
            sns.publish(TopicArn=topic, Message="raw body")
            _, headers, raw = ep.wait(4, "Notification")[3]
            self.assertEqual(raw, "raw body")
            self.assertEqual(headers["x-amz-sns-rawdelivery"], "true")

            # Unsubscribe: an UnsubscribeConfirmation, then nothing more.
            sns.unsubscribe(SubscriptionArn=sub)
            _, headers, bye = ep.wait(1, "UnsubscribeConfirmation")[0]
            self.assertEqual(headers["x-amz-sns-subscription-arn"], sub)
            verify(bye, n)
            sns.publish(TopicArn=topic, Message="after")
            time.sleep(0.5)
            self.assertEqual(len(ep.messages("Notification")), 4)
            self.assertEqual(sns.list_subscriptions()["Subscriptions"], [])
        ep.close()

    def test_retries_follow_delivery_policy(self):
        # Delays divided by 100: 0 s, 10 s (pre-backoff), 20 s (backoff), 20 s (post-backoff)
        # become 0, 100, 200 and 200 ms.
        ep = Endpoint(fail=4)
        with Nimbus("--sns-time-divisor", "100") as n:
            sns = n.client("sns")
            topic = sns.create_topic(Name="retry")["TopicArn"]
            policy = {"healthyRetryPolicy": {
                "numRetries": 4, "numNoDelayRetries": 1, "minDelayTarget": 10,
                "numMinDelayRetries": 1, "maxDelayTarget": 20, "numMaxDelayRetries": 1,
                "backoffFunction": "linear"}}
            ep.fail = 0
            sub = subscribe_confirmed(n, sns, topic, ep, DeliveryPolicy=json.dumps(policy))
            ep.fail = 4
            sns.publish(TopicArn=topic, Message="eventually")
            tries = ep.wait(5, "Notification", timeout=60)
            times = [t for t, _, _ in tries]
            ids = {m["MessageId"] for _, _, m in tries}
            self.assertEqual(len(ids), 1)  # a retry reuses the MessageId
            gaps = [b - a for a, b in zip(times, times[1:])]
            for gap, expected in zip(gaps, [0.0, 0.1, 0.2, 0.2]):
                self.assertGreaterEqual(gap, expected * 0.95, gaps)
            time.sleep(0.5)
            self.assertEqual(len(ep.messages("Notification")), 5)  # success: no more tries

            # Out of retries: dropped after 1 + numRetries tries.
            ep.fail = 100
            sns.publish(TopicArn=topic, Message="never")
            ep.wait(10, "Notification", timeout=60)
            time.sleep(1.0)
            self.assertEqual(len(ep.messages("Notification")), 10)
            attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
            self.assertEqual(json.loads(attrs["DeliveryPolicy"]), policy)
        ep.close()

    def test_filter_policies_on_http(self):
        red, big, body = Endpoint(), Endpoint(), Endpoint()
        with Nimbus() as n:
            sns = n.client("sns")
            topic = sns.create_topic(Name="filtered")["TopicArn"]
            subscribe_confirmed(n, sns, topic, red,
                                FilterPolicy=json.dumps({"color": ["red", {"prefix": "dark"}]}))
            subscribe_confirmed(n, sns, topic, big, FilterPolicy=json.dumps(
                {"price": [{"numeric": [">", 100]}], "store": [{"exists": True}]}))
            subscribe_confirmed(n, sns, topic, body, FilterPolicyScope="MessageBody",
                                FilterPolicy=json.dumps({"order": {"kind": ["book"]}}))
            def pub(msg, **attrs):
                sns.publish(TopicArn=topic, Message=msg, MessageAttributes={
                    k: {"DataType": "Number" if isinstance(v, int) else "String",
                        "StringValue": str(v)} for k, v in attrs.items()})
            pub("1", color="red")
            pub("2", color="darkred", price=500)
            pub("3", color="blue", price=500, store="x")
            pub(json.dumps({"order": {"kind": "book"}}), color="green")
            pub(json.dumps({"order": {"kind": "pen"}}))
            self.assertEqual([m["Message"] for _, _, m in red.wait(2, "Notification")],
                             ["1", "2"])
            self.assertEqual([m["Message"] for _, _, m in big.wait(1, "Notification")], ["3"])
            self.assertEqual(len(body.wait(1, "Notification")), 1)
            time.sleep(0.5)
            self.assertEqual(len(red.messages("Notification")), 2)
            self.assertEqual(len(big.messages("Notification")), 1)
            self.assertEqual(len(body.messages("Notification")), 1)
            code, msg, _ = error_of(sns.subscribe, TopicArn=topic, Protocol="http",
                                    Endpoint=red.url + "?2",
                                    Attributes={"FilterPolicy": '{"a": {"b": ["c"]}}'})
            self.assertEqual(code, "InvalidParameter")
            self.assertIn("does not support nested filter policy", msg)
        for e in (red, big, body):
            e.close()

    def test_https_endpoints_over_tls(self):
        # An endpoint whose certificate nimbus's CA issued is delivered over TLS (the system
        # store plus that CA are trusted); one from a CA nobody trusts gets nothing.
        with Nimbus() as n:
            tls_dir = os.path.join(n.data_dir, "sns", "tls")
            good = Endpoint(tls=issue_cert(n.data_dir, os.path.join(tls_dir, "ca.pem"),
                                           os.path.join(tls_dir, "ca-key.pem"), "good"))
            ca, ca_key = self_signed_ca(n.data_dir)
            bad = Endpoint(tls=issue_cert(n.data_dir, ca, ca_key, "bad"))
            sns = n.client("sns")
            topic = sns.create_topic(Name="tls")["TopicArn"]
            for ep in (good, bad):
                sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=ep.url)
            confirm = good.wait(1, "SubscriptionConfirmation")[0][2]
            verify(confirm, n)
            urllib.request.urlopen(confirm["SubscribeURL"]).read()
            sns.publish(TopicArn=topic, Message="over tls")
            self.assertEqual(good.wait(1, "Notification")[0][2]["Message"], "over tls")
            time.sleep(0.5)
            self.assertEqual(bad.messages(), [])
            good.close()
            bad.close()

    def test_email_goes_to_the_mailbox(self):
        with Nimbus() as n:
            sns = n.client("sns")
            topic = sns.create_topic(Name="mail")["TopicArn"]
            sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
            path = os.path.join(n.data_dir, "sns", "mailbox")
            self.assertTrue(any(path in line for line in n.stderr_lines + n.lines))
            deadline = time.monotonic() + 20
            text = ""
            while time.monotonic() < deadline and "SubscribeURL" not in text:
                if os.path.exists(path):
                    with open(path) as f:
                        text = f.read()
                if "ConfirmSubscription" in text:
                    break
                time.sleep(0.05)
            self.assertIn("To: me@example.com", text)
            self.assertIn("Action=ConfirmSubscription", text)


class SnsSqs(unittest.TestCase):
    def test_sqs_subscriptions_and_redrive(self):
        ep = Endpoint()
        with Nimbus("--sns-time-divisor", "1000") as n:
            sns, sqs = n.client("sns"), n.client("sqs")
            topic = sns.create_topic(Name="to-sqs")["TopicArn"]
            queues = {}
            for name in ("envelope", "raw", "dlq"):
                url = sqs.create_queue(QueueName=name)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                    "Attributes"]["QueueArn"]
                queues[name] = (url, arn)
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queues["envelope"][1])
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queues["raw"][1],
                          Attributes={"RawMessageDelivery": "true"})
            # An http endpoint that always fails, with a DLQ: after the last try the message
            # goes to the queue.
            ep.fail = 10 ** 6
            sub = subscribe_confirmed(n, sns, topic, ep)
            ep.fail = 10 ** 6
            sns.set_subscription_attributes(
                SubscriptionArn=sub, AttributeName="RedrivePolicy",
                AttributeValue=json.dumps({"deadLetterTargetArn": queues["dlq"][1]}))
            mid = sns.publish(TopicArn=topic, Message="to queues", MessageAttributes={
                "k": {"DataType": "String", "StringValue": "v"}})["MessageId"]

            def receive(name):
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    got = sqs.receive_message(QueueUrl=queues[name][0], WaitTimeSeconds=1,
                                              MessageAttributeNames=["All"]).get("Messages")
                    if got:
                        return got[0]
                raise AssertionError("nothing in " + name)
            envelope = json.loads(receive("envelope")["Body"])
            self.assertEqual(envelope["Type"], "Notification")
            self.assertEqual(envelope["MessageId"], mid)
            self.assertEqual(envelope["Message"], "to queues")
            verify(envelope, n)
            raw = receive("raw")
            self.assertEqual(raw["Body"], "to queues")
            self.assertEqual(raw["MessageAttributes"]["k"]["StringValue"], "v")
            dead = receive("dlq")
            self.assertEqual(json.loads(dead["Body"])["MessageId"], mid)
            self.assertEqual(len(ep.messages("Notification")), 4)  # 1 + AWS's 3 retries
        ep.close()


class SnsLambda(unittest.TestCase):
    def test_lambda_subscription_gets_the_records_event(self):
        # An asynchronous invoke with AWS's Records[].Sns event; the function prints it and the
        # test reads it back from CloudWatch Logs.
        with Nimbus() as n:
            lam, logs, sns = n.client("lambda"), n.client("logs"), n.client("sns")
            fn = lambda_util.create(lam, "sns-reader", {"app.py": (
                "import json\n"
                "def handler(event, context):\n"
                "    print('EVENT ' + json.dumps(event))\n")})["FunctionArn"]
            topic = sns.create_topic(Name="to-lambda")["TopicArn"]
            sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
            self.assertTrue(sub.startswith(topic + ":"))  # confirmed at once
            mid = sns.publish(TopicArn=topic, Message="for the function", Subject="s",
                              MessageAttributes={"n": {"DataType": "Number",
                                                       "StringValue": "5"}})["MessageId"]
            deadline = time.monotonic() + 60
            event = None
            while time.monotonic() < deadline and event is None:
                for e in log_events(logs, "/aws/lambda/sns-reader"):
                    if e["message"].startswith("EVENT "):
                        event = json.loads(e["message"][6:])
                time.sleep(0.2)
            self.assertIsNotNone(event)
            record = event["Records"][0]
            self.assertEqual(record["EventSource"], "aws:sns")
            self.assertEqual(record["EventSubscriptionArn"], sub)
            self.assertEqual(record["Sns"]["MessageId"], mid)
            self.assertEqual(record["Sns"]["Message"], "for the function")
            self.assertEqual(record["Sns"]["Subject"], "s")
            self.assertEqual(record["Sns"]["MessageAttributes"]["n"],
                             {"Type": "String", "Value": "5"})
            self.assertTrue(record["Sns"]["SigningCertUrl"].startswith("https://localhost:"))
            self.assertIn("UnsubscribeUrl", record["Sns"])


class SnsJs(unittest.TestCase):
    def test_js_sdk_flow_verified_by_sns_validator(self):
        # The AWS JS SDK drives the flow; npm sns-validator checks every message over https
        # (nimbus's CA trusted through NODE_EXTRA_CA_CERTS), for signature versions 1 and 2.
        for version in ("1", "2"):
            ep = Endpoint()
            with Nimbus() as n:
                def node(*args):
                    res = subprocess.run(["node", os.path.join(HERE, "js", "sns_flow.mjs")] +
                                         list(args), capture_output=True, timeout=120,
                                         env=n.client_env())
                    self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
                    return json.loads(res.stdout)
                out = node("js-topic", ep.url, version)
                self.assertEqual(out["SubscriptionArn"], "pending confirmation")
                confirm = ep.wait(1, "SubscriptionConfirmation")[0][2]
                urllib.request.urlopen(confirm["SubscribeURL"]).read()
                node("publish", out["TopicArn"], "hello from js")
                note = ep.wait(1, "Notification")[0][2]
                self.assertEqual(note["SignatureVersion"], version)
                self.assertEqual(note["Message"], "hello from js")
                bodies = [b for _, h, b in ep.received
                          if h["x-amz-sns-message-type"] != "UnsubscribeConfirmation"]
                path = os.path.join(n.data_dir, "messages.json")
                with open(path, "w") as f:
                    json.dump(bodies, f)
                # `nimbus cert` names the CA serve uses.
                cert = subprocess.run([NIMBUS_BIN, "cert", "--data-dir", n.data_dir],
                                      capture_output=True, timeout=60)
                self.assertEqual(cert.stdout.decode().split("\n")[0], ca_path(n))
                self.assertIn("update-ca-certificates", cert.stdout.decode())
                env = dict(n.client_env(), NODE_EXTRA_CA_CERTS=ca_path(n))
                res = subprocess.run(["node", os.path.join(HERE, "js", "sns_validate.mjs"), path],
                                     capture_output=True, timeout=120, env=env)
                self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
                self.assertEqual(res.stdout.decode().split("\n")[:2],
                                 ["ok SubscriptionConfirmation", "ok Notification"])
                # A tampered message is refused.
                tampered = json.loads(bodies[1])
                tampered["Message"] = "changed"
                with open(path, "w") as f:
                    json.dump([json.dumps(tampered)], f)
                res = subprocess.run(["node", os.path.join(HERE, "js", "sns_validate.mjs"), path],
                                     capture_output=True, timeout=120, env=env)
                self.assertEqual(res.returncode, 1)
                self.assertIn("signature is invalid", res.stdout.decode())
            ep.close()


class SnsApi(unittest.TestCase):
    def test_errors_and_limits(self):
        with Nimbus() as n:
            sns = n.client("sns")
            self.assertEqual(error_of(sns.create_topic, Name="bad name")[:2],
                             ("InvalidParameter", "Invalid parameter: Topic Name"))
            missing = "arn:aws:sns:us-east-1:000000000000:nope"
            self.assertEqual(error_of(sns.publish, TopicArn=missing, Message="x"),
                             ("NotFound", "Topic does not exist", 404))
            self.assertEqual(error_of(sns.get_topic_attributes, TopicArn="nope")[:2],
                             ("InvalidParameter", "Invalid parameter: TopicArn"))
            topic = sns.create_topic(Name="t", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
            self.assertEqual(error_of(sns.create_topic, Name="t",
                                      Attributes={"DisplayName": "other"})[0], "InvalidParameter")
            self.assertEqual(error_of(sns.set_topic_attributes, TopicArn=topic,
                                      AttributeName="ArchivePolicy", AttributeValue="{}")[2], 501)
            self.assertEqual(error_of(sns.get_data_protection_policy, ResourceArn=topic)[2], 501)
            self.assertEqual(error_of(sns.publish, TopicArn=topic, Message="")[1],
                             "Invalid parameter: Empty message")
            self.assertEqual(error_of(sns.publish, TopicArn=topic, Message="x" * 262145)[1],
                             "Invalid parameter: Message too long")
            sns.publish(TopicArn=topic, Message="x" * 262144)
            code, msg, _ = error_of(sns.publish, TopicArn=topic, Message="x", MessageAttributes={
                "a": {"DataType": "Date", "StringValue": "1"}})
            self.assertEqual(code, "ParameterValueInvalid")
            code, _, _ = error_of(sns.publish, TopicArn=topic, Message="x", MessageAttributes={
                "n%d" % i: {"DataType": "String", "StringValue": "v"} for i in range(11)})
            self.assertEqual(code, "ParameterValueInvalid")
            self.assertEqual(error_of(sns.publish, TopicArn=topic, Message="x",
                                      MessageStructure="json")[1],
                             "Invalid parameter: Message Structure - JSON message body failed "
                             "to parse")
            self.assertEqual(error_of(sns.subscribe, TopicArn=topic, Protocol="http",
                                      Endpoint="ftp://x")[1],
                             "Invalid parameter: Endpoint must match the specified protocol")
            self.assertEqual(error_of(sns.subscribe, TopicArn=topic, Protocol="carrier-pigeon",
                                      Endpoint="x")[0], "InvalidParameter")
            self.assertEqual(error_of(sns.confirm_subscription, TopicArn=topic, Token="0")[1],
                             "Invalid parameter: Token")
            # Tags.
            self.assertEqual(sns.list_tags_for_resource(ResourceArn=topic)["Tags"],
                             [{"Key": "team", "Value": "a"}])
            sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "env", "Value": "dev"}])
            sns.untag_resource(ResourceArn=topic, TagKeys=["team"])
            self.assertEqual(sns.list_tags_for_resource(ResourceArn=topic)["Tags"],
                             [{"Key": "env", "Value": "dev"}])
            self.assertEqual(error_of(sns.tag_resource, ResourceArn=topic, Tags=[
                {"Key": "k%d" % i, "Value": "v"} for i in range(50)])[0], "TagLimitExceeded")
            self.assertEqual(error_of(sns.list_tags_for_resource, ResourceArn=missing)[0],
                             "ResourceNotFound")
            # Batches.
            self.assertEqual(error_of(sns.publish_batch, TopicArn=topic,
                                      PublishBatchRequestEntries=[])[0], "EmptyBatchRequest")
            self.assertEqual(error_of(sns.publish_batch, TopicArn=topic,
                                      PublishBatchRequestEntries=[
                                          {"Id": "a", "Message": "1"},
                                          {"Id": "a", "Message": "2"}])[0],
                             "BatchEntryIdsNotDistinct")
            self.assertEqual(error_of(sns.publish_batch, TopicArn=topic,
                                      PublishBatchRequestEntries=[
                                          {"Id": str(i), "Message": "m"} for i in range(11)])[0],
                             "TooManyEntriesInBatchRequest")
            r = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
                {"Id": "ok", "Message": "1"}, {"Id": "bad", "Message": ""}])
            self.assertEqual([s["Id"] for s in r["Successful"]], ["ok"])
            self.assertEqual(r["Failed"][0]["Code"], "InvalidParameter")
            self.assertTrue(r["Failed"][0]["SenderFault"])

    def test_list_topics_pages(self):
        with Nimbus() as n:
            sns = n.client("sns")
            for i in range(105):
                sns.create_topic(Name="t%03d" % i)
            first = sns.list_topics()
            self.assertEqual(len(first["Topics"]), 100)
            second = sns.list_topics(NextToken=first["NextToken"])
            self.assertEqual(len(second["Topics"]), 5)
            self.assertNotIn("NextToken", second)
            names = [t["TopicArn"].split(":")[-1] for t in first["Topics"] + second["Topics"]]
            self.assertEqual(names, ["t%03d" % i for i in range(105)])
            self.assertEqual(error_of(sns.list_topics, NextToken="garbage")[0],
                             "InvalidParameter")

    def test_fifo_topics(self):
        with Nimbus() as n:
            sns = n.client("sns")
            code, msg, _ = error_of(sns.create_topic, Name="f",
                                    Attributes={"FifoTopic": "true"})
            self.assertIn("Fifo Topic names must end with .fifo", msg)
            topic = sns.create_topic(Name="f.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
            attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
            self.assertEqual(attrs["FifoTopic"], "true")
            self.assertEqual(attrs["ContentBasedDeduplication"], "false")
            self.assertIn("MessageGroupId parameter is required",
                          error_of(sns.publish, TopicArn=topic, Message="x")[1])
            self.assertIn("ContentBasedDeduplication enabled or MessageDeduplicationId",
                          error_of(sns.publish, TopicArn=topic, Message="x",
                                   MessageGroupId="g")[1])
            a = sns.publish(TopicArn=topic, Message="x", MessageGroupId="g",
                            MessageDeduplicationId="d1")
            b = sns.publish(TopicArn=topic, Message="y", MessageGroupId="g",
                            MessageDeduplicationId="d1")
            c = sns.publish(TopicArn=topic, Message="z", MessageGroupId="g",
                            MessageDeduplicationId="d2")
            self.assertEqual(a["MessageId"], b["MessageId"])
            self.assertEqual(a["SequenceNumber"], b["SequenceNumber"])
            self.assertGreater(int(c["SequenceNumber"]), int(a["SequenceNumber"]))
            sns.set_topic_attributes(TopicArn=topic, AttributeName="ContentBasedDeduplication",
                                     AttributeValue="true")
            d = sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
            e = sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
            self.assertEqual(d["MessageId"], e["MessageId"])
            standard = sns.create_topic(Name="s")["TopicArn"]
            self.assertEqual(error_of(sns.set_topic_attributes, TopicArn=standard,
                                      AttributeName="ContentBasedDeduplication",
                                      AttributeValue="true")[0], "InvalidParameter")

    def test_both_clis(self):
        with Nimbus() as n:
            for v2 in (False, True):
                name = "cli-v2" if v2 else "cli-v1"
                out = n.aws("sns", "create-topic", "--name", name, v2=v2)
                arn = out["TopicArn"]
                n.aws("sns", "set-topic-attributes", "--topic-arn", arn, "--attribute-name",
                      "DisplayName", "--attribute-value", "Shown", v2=v2)
                attrs = n.aws("sns", "get-topic-attributes", "--topic-arn", arn,
                              v2=v2)["Attributes"]
                self.assertEqual(attrs["DisplayName"], "Shown")
                out = n.aws("sns", "publish", "--topic-arn", arn, "--message", "hi", v2=v2)
                self.assertIn("MessageId", out)
            topics = n.aws("sns", "list-topics", v2=True)["Topics"]
            self.assertEqual(len(topics), 2)


class SnsDurability(unittest.TestCase):
    def test_nothing_accepted_is_lost_across_kill_9(self):
        ep = Endpoint()
        n = Nimbus("--sns-time-divisor", "1000").start()
        try:
            sns = n.client("sns")
            topic = sns.create_topic(Name="durable")["TopicArn"]
            subscribe_confirmed(n, sns, topic, ep)
            ep.fail = 10 ** 6  # down: every try fails and is retried
            ids = {sns.publish(TopicArn=topic, Message="m%d" % i)["MessageId"]
                   for i in range(30)}
            n.stop(signal.SIGKILL)
            ep.fail = 0
            n.start()
            deadline = time.monotonic() + 60
            got = set()
            while time.monotonic() < deadline and not ids <= got:
                got = {m["MessageId"] for _, h, m in ep.messages("Notification")
                       if h.get("x-amz-sns-message-type") == "Notification"}
                time.sleep(0.05)
            self.assertLessEqual(ids, got)
            # The topic and the subscription are still there.
            self.assertEqual(len(n.client("sns").list_subscriptions()["Subscriptions"]), 1)
        finally:
            n.stop()
            ep.close()


if __name__ == "__main__":
    unittest.main()
