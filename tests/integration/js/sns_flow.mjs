// The SNS field-note flow with the AWS JS SDK v3 against NIMBUS_ENDPOINT: creates topic
// argv[2] (SignatureVersion argv[4]), subscribes the http endpoint argv[3], and prints the
// topic ARN as JSON. With argv[2] == "publish": publishes argv[4] to topic argv[3] and prints
// the MessageId.
import { SNSClient, CreateTopicCommand, SubscribeCommand, PublishCommand } from "@aws-sdk/client-sns";

const client = new SNSClient({ endpoint: process.env.NIMBUS_ENDPOINT, region: process.env.AWS_REGION });
try {
  if (process.argv[2] === "publish") {
    const out = await client.send(new PublishCommand({
      TopicArn: process.argv[3], Message: process.argv[4], Subject: "from js",
      MessageAttributes: { kind: { DataType: "String", StringValue: "js" } },
    }));
    console.log(JSON.stringify({ MessageId: out.MessageId }));
  } else {
    const topic = await client.send(new CreateTopicCommand({
      Name: process.argv[2], Attributes: { SignatureVersion: process.argv[4] },
    }));
    const sub = await client.send(new SubscribeCommand({
      TopicArn: topic.TopicArn, Protocol: "http", Endpoint: process.argv[3],
    }));
    console.log(JSON.stringify({ TopicArn: topic.TopicArn, SubscriptionArn: sub.SubscriptionArn }));
  }
} catch (err) {
  console.log(JSON.stringify({ error: err.name, message: err.message }));
  process.exit(3);
}
