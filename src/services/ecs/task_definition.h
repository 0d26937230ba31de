// RegisterTaskDefinition's input checked as AWS checks it (names, essential container, awslogs
// options, memory vs memoryReservation, FARGATE cpu/memory pairs and awsvpc) and turned into the
// TaskDefinition AWS returns (defaults filled, cpu/memory as integer strings). Pure.
#pragma once

#include <optional>
#include <string>

#include "protocol/call.h"

namespace nimbus::ecs {

// The TaskDefinition body for `in` (without family, revision, ARN, status, registeredAt,
// which the store assigns), or the ClientException AWS answers.
Result<Value, AwsError> BuildTaskDefinition(const Value& in, const std::string& account);

// "1024", "1 vCPU", "0.5 vcpu" -> CPU units; nullopt when malformed.
std::optional<int64_t> ParseTaskCpu(const std::string& text);
// "2048", "2 GB", "2GB" -> MiB; nullopt when malformed.
std::optional<int64_t> ParseTaskMemory(const std::string& text);
// Whether Fargate offers `cpu` units with `memory` MiB.
bool IsFargatePair(int64_t cpu, int64_t memory);

}  // namespace nimbus::ecs
