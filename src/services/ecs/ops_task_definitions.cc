// Task definition operations: register (revisions per family), describe, list, list families,
// deregister, delete.
#include "services/ecs/ops.h"
#include "services/ecs/task_definition.h"
#include "services/kit/arn.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"
#include "services/kit/pagination.h"

namespace nimbus::ecs::ops {
namespace {

struct TaskDefRef {
  std::string family;
  std::optional<int64_t> revision;
};

// "family", "family:revision" or the ARN of a revision in the caller's scope; nullopt when
// malformed or of another scope.
std::optional<TaskDefRef> ParseRef(const CallContext& call, const std::string& text) {
  std::string rest = text;
  if (text.rfind("arn:", 0) == 0) {
    auto arn = ParseArn(text);
    if (!arn || arn->service != "ecs" || arn->scope != ScopeOf(call)) return std::nullopt;
    if (arn->resource.rfind("task-definition/", 0) != 0) return std::nullopt;
    rest = arn->resource.substr(16);
  }
  TaskDefRef ref;
  size_t colon = rest.find(':');
  ref.family = rest.substr(0, colon);
  if (ref.family.empty()) return std::nullopt;
  if (colon != std::string::npos) {
    std::string digits = rest.substr(colon + 1);
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    ref.revision = std::stoll(digits);
  }
  return ref;
}

Result<std::optional<TaskDefRow>> Lookup(EcsStore& s, const CallContext& call,
                                         const TaskDefRef& ref) {
  if (ref.revision) return s.GetRevision(ScopeOf(call), ref.family, *ref.revision);
  return s.Latest(ScopeOf(call), ref.family);
}

}  // namespace

Result<std::optional<TaskDefRow>> LookupTaskDefinition(EcsStore& s, const CallContext& call,
                                                       const std::string& text) {
  auto ref = ParseRef(call, text);
  if (!ref) return std::optional<TaskDefRow>();
  return Lookup(s, call, *ref);
}

namespace {

// The revision `text` names (family:revision or ARN; a bare family is refused, as AWS refuses
// it for Deregister and Delete), or nullopt when it does not exist.
Result<std::optional<TaskDefRow>, AwsError> FindRevision(EcsStore& s, const CallContext& call,
                                                         const std::string& text) {
  auto ref = ParseRef(call, text);
  if (!ref) return std::optional<TaskDefRow>();
  if (!ref->revision) return AwsError("ClientException", "A revision must be specified.");
  auto got = Lookup(s, call, *ref);
  if (!got.ok()) return InternalError("ServerException", got.error());
  return std::move(*got);
}

AwsError NotFound() {
  return AwsError("ClientException", "The specified task definition does not exist.");
}

Result<int64_t, AwsError> PageOffset(const Value& in) {
  auto token = OptStr(in, "nextToken");
  if (!token) return 0;
  auto offset = DecodeOffsetToken(*token);
  if (!offset) return AwsError("InvalidParameterException", "Invalid token");
  return static_cast<int64_t>(*offset);
}

}  // namespace

OpResult RegisterTaskDefinition(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto body = BuildTaskDefinition(in, call.account_id);
  if (!body.ok()) return body.error();
  Value tags = Member(in, "tags") ? in["tags"] : Value::array();
  auto row = s.Register(ScopeOf(call), Str(in, "family"), std::move(*body), tags);
  if (!row.ok()) return InternalError("ServerException", row.error());
  Value out = {{"taskDefinition", row->body}};
  if (!tags.empty()) out["tags"] = tags;
  return out;
}

OpResult DescribeTaskDefinition(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto ref = ParseRef(call, Str(in, "taskDefinition"));
  std::optional<TaskDefRow> row;
  if (ref) {
    auto got = Lookup(s, call, *ref);
    if (!got.ok()) return InternalError("ServerException", got.error());
    row = std::move(*got);
  }
  if (!row || row->status == "DELETE_IN_PROGRESS") {
    return AwsError("ClientException", "Unable to describe task definition.");
  }
  Value out = {{"taskDefinition", row->body}};
  if (Includes(in, "TAGS")) out["tags"] = row->tags;
  return out;
}

OpResult ListTaskDefinitions(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto limit = PageSize(in);
  if (!limit.ok()) return limit.error();
  auto offset = PageOffset(in);
  if (!offset.ok()) return offset.error();
  std::string status = Str(in, "status", "ACTIVE");
  if (status != "ACTIVE" && status != "INACTIVE" && status != "DELETE_IN_PROGRESS") {
    return AwsError("InvalidParameterException", "Invalid status: " + status);
  }
  std::string sort = Str(in, "sort", "ASC");
  if (sort != "ASC" && sort != "DESC") {
    return AwsError("InvalidParameterException", "Invalid sort: " + sort);
  }
  auto rows = s.ListRevisions(ScopeOf(call), Str(in, "familyPrefix"), status, sort == "DESC",
                              *offset, *limit + 1);
  if (!rows.ok()) return InternalError("ServerException", rows.error());
  bool more = static_cast<int>(rows->size()) > *limit;
  if (more) rows->pop_back();
  Value arns = Value::array();
  for (const auto& [family, revision] : *rows) {
    arns.push_back(MakeArn("ecs", ScopeOf(call),
                           "task-definition/" + family + ":" + std::to_string(revision)));
  }
  Value out = {{"taskDefinitionArns", arns}};
  if (more) {
    out["nextToken"] = EncodeOffsetToken(static_cast<size_t>(*offset + *limit));
  }
  return out;
}

OpResult ListTaskDefinitionFamilies(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto limit = PageSize(in);
  if (!limit.ok()) return limit.error();
  std::string status = Str(in, "status", "ALL");
  if (status != "ACTIVE" && status != "INACTIVE" && status != "ALL") {
    return AwsError("InvalidParameterException", "Invalid status: " + status);
  }
  std::string after;
  if (auto token = OptStr(in, "nextToken")) {
    auto decoded = DecodeTaggedToken("nimbus/ecs-families/", *token);
    if (!decoded) return AwsError("InvalidParameterException", "Invalid token");
    after = *decoded;
  }
  auto families = s.ListFamilies(ScopeOf(call), Str(in, "familyPrefix"), status, after, *limit + 1);
  if (!families.ok()) return InternalError("ServerException", families.error());
  bool more = static_cast<int>(families->size()) > *limit;
  if (more) families->pop_back();
  Value out = {{"families", *families}};
  if (more) out["nextToken"] = EncodeTaggedToken("nimbus/ecs-families/", families->back());
  return out;
}

OpResult DeregisterTaskDefinition(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  auto row = FindRevision(s, call, Str(in, "taskDefinition"));
  if (!row.ok()) return row.error();
  if (!*row || (*row)->status == "DELETE_IN_PROGRESS") return NotFound();
  auto done = s.SetStatus(ScopeOf(call), std::move(**row), "INACTIVE");
  if (!done.ok()) return InternalError("ServerException", done.error());
  return Value{{"taskDefinition", done->body}};
}

OpResult DeleteTaskDefinitions(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  const Value* refs = Member(in, "taskDefinitions");
  if (refs == nullptr || !refs->is_array() || refs->empty() || refs->size() > 10) {
    return AwsError("InvalidParameterException",
                    "taskDefinitions must contain between 1 and 10 task definitions.");
  }
  Value deleted = Value::array(), failures = Value::array();
  for (const Value& v : *refs) {
    std::string text = v.is_string() ? v.get<std::string>() : "";
    auto found = FindRevision(s, call, text);
    if (!found.ok()) return found.error();
    std::optional<TaskDefRow>& row = *found;
    std::string arn = text.rfind("arn:", 0) == 0
                          ? text
                          : MakeArn("ecs", ScopeOf(call), "task-definition/" + text);
    if (!row) {
      failures.push_back(
          {{"arn", arn}, {"reason", "The specified task definition does not exist."}});
    } else if (row->status == "ACTIVE") {
      failures.push_back(
          {{"arn", arn},
           {"reason",
            "The specified task definition is still in ACTIVE status. Please deregister the "
            "target and try again."}});
    } else {
      auto done = s.SetStatus(ScopeOf(call), std::move(*row), "DELETE_IN_PROGRESS");
      if (!done.ok()) return InternalError("ServerException", done.error());
      deleted.push_back(done->body);
    }
  }
  return Value{{"taskDefinitions", deleted}, {"failures", failures}};
}

}  // namespace nimbus::ecs::ops
