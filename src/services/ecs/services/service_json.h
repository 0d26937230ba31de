// The JSON of ECS services as AWS shows it, built once for the operations and the scheduler:
// ARNs and ids, the Deployment entries of a Service, ServiceRevision and ServiceDeployment
// records, and service events. Pure apart from the ids drawn from `random`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.h"
#include "protocol/call.h"
#include "services/kit/scope.h"

namespace nimbus::ecs {

// "arn:aws:ecs:<region>:<account>:service/<cluster>/<name>".
std::string ServiceArn(const Scope& scope, const std::string& cluster, const std::string& name);
// The service a reference (name or service ARN of `scope`) names in `cluster`: its name, or
// nullopt when the ARN is malformed, of another scope, or of another cluster.
std::optional<std::string> ServiceNameOf(const Scope& scope, const std::string& cluster,
                                         const std::string& ref);
// Whether `name` is a valid service name (1-255 of letters, digits, '-', '_').
bool ValidServiceName(const std::string& name);

// What a new deployment runs: the service configuration a ServiceRevision records.
struct DeploymentSpec {
  std::string task_definition;   // ARN of the revision
  Value task_definition_body;    // its body (containers' images, versionConsistency)
  std::string launch_type;       // EC2, FARGATE or EXTERNAL
  std::string platform_version;  // FARGATE only
  Value network_configuration;   // null when none
  int64_t desired_count = 0;
};

// The records a new deployment is made of.
struct NewDeployment {
  std::string id;            // "ecs-svc/<19 digits>"
  Value entry;               // the Service.deployments[] entry (PRIMARY, IN_PROGRESS)
  std::string revision_arn;  // its ServiceRevision
  Value revision;            // ServiceRevision (containerImages filled in on pinning)
  std::string service_deployment_arn;
  Value service_deployment;  // ServiceDeployment (IN_PROGRESS)
};

// A deployment of `spec` for `service` (its Service body: arns, deploymentConfiguration,
// current deployments as source revisions, `state` for their revision ARNs) at `now` seconds.
NewDeployment MakeDeployment(const Scope& scope, const Value& service, const Value& state,
                             const DeploymentSpec& spec, double now, RandomSource& random);

// Makes `made` the service's PRIMARY deployment: the previous ones become ACTIVE, the body's
// taskDefinition and currentServiceDeployment follow it, the scheduler's state records it.
void AddDeployment(Value& service, Value& state, const NewDeployment& made);

// The circuit breaker's failed-task threshold for `desired` tasks: half of them rounded up,
// at least 3 and at most 200 (AWS's rule).
int64_t FailureThreshold(int64_t desired);

// Prepends a service event {id, createdAt, message} to service.events (AWS keeps 100).
void AddEvent(Value& service, const std::string& message, double now, RandomSource& random);

// "(service <name>)".
std::string ServicePrefix(const Value& service);

}  // namespace nimbus::ecs
