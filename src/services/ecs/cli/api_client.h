// A small blocking client for nimbus's own command-line tools (`nimbus ecs ...`): AWS JSON 1.1
// calls to a running nimbus, signed with SigV4 as the AWS CLI signs them, over plain HTTP/1.1
// (one connection per call). Not for use inside the server: it blocks the calling thread.
#pragma once

#include <string>

#include "core/status.h"
#include "protocol/call.h"

namespace nimbus::ecs::cli {

// Where and as whom to call: what the AWS CLI takes from its options and environment.
struct ApiTarget {
  std::string endpoint = "http://localhost:4566";  // http://host:port
  std::string region = "us-east-1";
  std::string access_key_id = "test";
  std::string secret_access_key = "test";
  std::string session_token;  // optional
};

// The target from the environment the AWS CLI reads (AWS_ENDPOINT_URL, NIMBUS_ENDPOINT,
// AWS_REGION/AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN),
// defaults for what is unset.
ApiTarget ApiTargetFromEnvironment();

// Calls `operation` of a JSON 1.1 service: `signing_name` ("ecs", "ecr") signs it,
// `target_prefix` ("AmazonEC2ContainerServiceV20141113") names it in X-Amz-Target. The decoded
// response, or: Unavailable when nimbus cannot be reached, InvalidArgument for a malformed
// endpoint, FailedPrecondition "<code>: <message>" for an AWS error answer.
Result<Value> CallJson(const ApiTarget& target, const std::string& signing_name,
                       const std::string& target_prefix, const std::string& operation,
                       const Value& input);

}  // namespace nimbus::ecs::cli
