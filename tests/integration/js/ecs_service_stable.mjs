// Creates service NAME of TASKDEF in CLUSTER with DESIRED tasks, waits with the SDK's
// waitUntilServicesStable and prints the service's counts and deployments as JSON, using the
// AWS JS SDK v3 against NIMBUS_ENDPOINT. Usage: node ecs_service_stable.mjs CLUSTER NAME TASKDEF DESIRED
import {
  ECSClient, CreateServiceCommand, DescribeServicesCommand, waitUntilServicesStable,
} from "@aws-sdk/client-ecs";

const [cluster, serviceName, taskDefinition, desired] = process.argv.slice(2);
const client = new ECSClient({ endpoint: process.env.NIMBUS_ENDPOINT, region: process.env.AWS_REGION });
try {
  await client.send(new CreateServiceCommand({
    cluster, serviceName, taskDefinition, desiredCount: Number(desired),
  }));
  await waitUntilServicesStable({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
                                { cluster, services: [serviceName] });
  const s = (await client.send(new DescribeServicesCommand({ cluster, services: [serviceName] })))
    .services[0];
  console.log(JSON.stringify({
    runningCount: s.runningCount, desiredCount: s.desiredCount,
    deployments: s.deployments.map((d) => ({ id: d.id, status: d.status })),
    createdAt: s.createdAt instanceof Date,
  }));
} catch (err) {
  console.log(JSON.stringify({ error: err.name, message: err.message, status: err.$metadata?.httpStatusCode }));
  process.exit(3);
}
