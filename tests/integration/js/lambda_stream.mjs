// InvokeWithResponseStream with the AWS JS SDK v3 against NIMBUS_ENDPOINT: prints the head, the
// concatenated PayloadChunk bytes and the InvokeComplete event as JSON.
// Usage: node lambda_stream.mjs FUNCTION PAYLOAD_JSON
import { LambdaClient, InvokeWithResponseStreamCommand } from "@aws-sdk/client-lambda";

const [fn, payload] = process.argv.slice(2);
const client = new LambdaClient({ endpoint: process.env.NIMBUS_ENDPOINT, region: process.env.AWS_REGION });
try {
  const out = await client.send(new InvokeWithResponseStreamCommand({
    FunctionName: fn, Payload: new TextEncoder().encode(payload),
  }));
  let text = "";
  let complete = null;
  for await (const event of out.EventStream) {
    if (event.PayloadChunk) text += new TextDecoder().decode(event.PayloadChunk.Payload);
    if (event.InvokeComplete) complete = event.InvokeComplete;
  }
  console.log(JSON.stringify({
    StatusCode: out.StatusCode, ExecutedVersion: out.ExecutedVersion,
    ResponseStreamContentType: out.ResponseStreamContentType, payload: text, complete,
  }));
} catch (err) {
  console.log(JSON.stringify({ error: err.name, message: err.message, status: err.$metadata?.httpStatusCode }));
  process.exit(3);
}
