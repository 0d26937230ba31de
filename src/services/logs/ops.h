// Internal: the logs API operations (one function per operation) and their shared helpers.
// Each takes the shared LogStore, the call and the decoded input; none throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/call.h"
#include "services/kit/input.h"
#include "services/logs/log_store.h"

namespace nimbus::logs::ops {

using Op = OpResult (*)(LogStore&, const CallContext&, const Value&);

OpResult CreateLogGroup(LogStore&, const CallContext&, const Value&);
OpResult DeleteLogGroup(LogStore&, const CallContext&, const Value&);
OpResult DescribeLogGroups(LogStore&, const CallContext&, const Value&);
OpResult PutRetentionPolicy(LogStore&, const CallContext&, const Value&);
OpResult DeleteRetentionPolicy(LogStore&, const CallContext&, const Value&);
OpResult TagLogGroup(LogStore&, const CallContext&, const Value&);
OpResult UntagLogGroup(LogStore&, const CallContext&, const Value&);
OpResult ListTagsLogGroup(LogStore&, const CallContext&, const Value&);
OpResult TagResource(LogStore&, const CallContext&, const Value&);
OpResult UntagResource(LogStore&, const CallContext&, const Value&);
OpResult ListTagsForResource(LogStore&, const CallContext&, const Value&);
OpResult CreateLogStream(LogStore&, const CallContext&, const Value&);
OpResult DeleteLogStream(LogStore&, const CallContext&, const Value&);
OpResult DescribeLogStreams(LogStore&, const CallContext&, const Value&);
OpResult PutLogEvents(LogStore&, const CallContext&, const Value&);
OpResult GetLogEvents(LogStore&, const CallContext&, const Value&);
OpResult FilterLogEvents(LogStore&, const CallContext&, const Value&);

// --- helpers (ops_util.cc) -------------------------------------------------------------------
// Maps a store Status to AWS: NotFound -> ResourceNotFoundException, AlreadyExists ->
// ResourceAlreadyExistsException, InvalidArgument -> InvalidParameterException, else 500
// ServiceUnavailableException (kit/errors.h).
AwsError ToAwsError(const Status& st);
// The group named by logGroupName or logGroupIdentifier (a name or a log-group ARN); exactly
// one must be given. Validates the name. An ARN of another account or region than the
// caller's is a group that does not exist for it (ResourceNotFoundException).
Result<std::string, AwsError> ResolveGroup(const CallContext& call, const Value& in);
// The group name in a log-group ARN (arn:aws:logs:<r>:<a>:log-group:<name>[:*]), else nullopt.
std::optional<std::string> GroupFromArn(std::string_view arn);
// True when `arn` (a valid log-group ARN) is in the caller's account and region.
bool ArnIsCallers(const CallContext& call, std::string_view arn);

}  // namespace nimbus::logs::ops
