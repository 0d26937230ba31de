// Prints the caller identity as JSON, using the AWS JS SDK v3 against NIMBUS_ENDPOINT.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const client = new STSClient({ endpoint: process.env.NIMBUS_ENDPOINT, region: process.env.AWS_REGION });
try {
  const out = await client.send(new GetCallerIdentityCommand({}));
  console.log(JSON.stringify({ Account: out.Account, Arn: out.Arn, UserId: out.UserId }));
} catch (err) {
  console.log(JSON.stringify({ error: err.name, message: err.message, status: err.$metadata?.httpStatusCode }));
  process.exit(3);
}
