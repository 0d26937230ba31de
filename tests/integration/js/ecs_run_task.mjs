// Registers a one-container task definition for IMAGE running `sh -c SCRIPT`, runs it, waits
// with the SDK's waitUntilTasksStopped and prints the stopped task's fields as JSON, using the
// AWS JS SDK v3 against NIMBUS_ENDPOINT. Usage: node ecs_run_task.mjs FAMILY IMAGE SCRIPT
import {
  ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, DescribeTasksCommand,
  waitUntilTasksStopped,
} from "@aws-sdk/client-ecs";

const [family, image, script] = process.argv.slice(2);
const client = new ECSClient({ endpoint: process.env.NIMBUS_ENDPOINT, region: process.env.AWS_REGION });
try {
  await client.send(new RegisterTaskDefinitionCommand({
    family,
    containerDefinitions: [{ name: "app", image, memory: 64, entryPoint: ["sh", "-c", script] }],
  }));
  const run = await client.send(new RunTaskCommand({ taskDefinition: family }));
  const arn = run.tasks[0].taskArn;
  await waitUntilTasksStopped({ client, maxWaitTime: 90, minDelay: 1, maxDelay: 2 }, { tasks: [arn] });
  const task = (await client.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks[0];
  console.log(JSON.stringify({
    lastStatus: task.lastStatus, stopCode: task.stopCode, stoppedReason: task.stoppedReason,
    exitCode: task.containers[0].exitCode, stoppedAt: task.stoppedAt instanceof Date,
  }));
} catch (err) {
  console.log(JSON.stringify({ error: err.name, message: err.message, status: err.$metadata?.httpStatusCode }));
  process.exit(3);
}
