// The JSON the task metadata endpoint v4 answers inside a task (GET
// ${ECS_CONTAINER_METADATA_URI_V4} and ${ECS_CONTAINER_METADATA_URI_V4}/task, shaped as AWS
// documents them for Fargate and the EC2 agent), and the task-role credentials of
// ${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}, built from the task as DescribeTasks stores it and its
// definition. Pure.
#pragma once

#include <chrono>
#include <string>

#include "auth/credential_issuer.h"
#include "protocol/call.h"

namespace nimbus::ecs {

// What the task's network is, as the metadata's "Networks" show it.
struct MetadataNetwork {
  std::string mode;                                      // awsvpc, bridge, host, none
  std::string ipv4;                                      // empty for host and none
  std::string mac, subnet_cidr, gateway_cidr, dns_name;  // awsvpc only
};

// The container named `name` of `task` (its definition in `task_definition`): DockerId, Name,
// DockerName, Image, ImageID, Labels, DesiredStatus, KnownStatus, Limits, CreatedAt, StartedAt,
// Type, LogDriver/LogOptions, ContainerARN, Networks, Ports. Null when there is no such
// container.
Value ContainerMetadata(const Value& task, const Value& task_definition, const std::string& name,
                        const MetadataNetwork& network);

// The task: Cluster, TaskARN, Family, Revision, DesiredStatus, KnownStatus, Limits (when the
// task has cpu/memory), PullStartedAt, PullStoppedAt, AvailabilityZone, LaunchType and every
// container's metadata.
Value TaskMetadata(const Value& task, const Value& task_definition, const MetadataNetwork& network);

// The task role's credentials as the agent answers them: RoleArn, AccessKeyId,
// SecretAccessKey, Token, Expiration.
Value RoleCredentials(const std::string& role_arn, const auth::IssuedCredential& issued);

// "2020-10-02T00:15:07.620912Z" of a DescribeTasks timestamp (seconds since the epoch).
std::string MetadataTime(double seconds);

}  // namespace nimbus::ecs
