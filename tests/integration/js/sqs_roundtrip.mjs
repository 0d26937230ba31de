// Drives SQS with the AWS JS SDK v3 (json protocol; the SDK checks the MD5s it gets back):
// create a queue, send with attributes, a FIFO send, receive, delete, and a missing queue's
// error. Prints one JSON line with what it saw.
import {
  SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand,
  DeleteMessageCommand, GetQueueUrlCommand, SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";

const client = new SQSClient({ endpoint: process.env.NIMBUS_ENDPOINT, region: process.env.AWS_REGION });
const out = {};
const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: "js-queue" }));
out.url = QueueUrl;
const sent = await client.send(new SendMessageCommand({
  QueueUrl, MessageBody: "from js",
  MessageAttributes: { n: { DataType: "Number", StringValue: "42" },
                       b: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) } },
}));
out.sentId = sent.MessageId;
await client.send(new SendMessageBatchCommand({
  QueueUrl, Entries: [{ Id: "one", MessageBody: "b1" }, { Id: "two", MessageBody: "b2" }],
}));
const got = await client.send(new ReceiveMessageCommand({
  QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"],
  MessageSystemAttributeNames: ["All"], WaitTimeSeconds: 1,
}));
out.bodies = got.Messages.map((m) => m.Body).sort();
const first = got.Messages.find((m) => m.MessageId === sent.MessageId);
out.number = first.MessageAttributes.n.StringValue;
out.binary = Array.from(first.MessageAttributes.b.BinaryValue);
out.receiveCount = first.Attributes.ApproximateReceiveCount;
for (const m of got.Messages) {
  await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
}
const fifo = await client.send(new CreateQueueCommand({
  QueueName: "js.fifo", Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" } }));
const f = await client.send(new SendMessageCommand({
  QueueUrl: fifo.QueueUrl, MessageBody: "ordered", MessageGroupId: "g" }));
out.sequenceNumber = f.SequenceNumber;
try {
  await client.send(new GetQueueUrlCommand({ QueueName: "missing" }));
} catch (err) {
  out.error = err.name;
  out.status = err.$metadata?.httpStatusCode;
}
console.log(JSON.stringify(out));
