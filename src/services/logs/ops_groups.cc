// Log group operations: create, delete, describe, retention, tags.
#include <cctype>

#include "services/logs/ops.h"
#include "services/logs/tokens.h"
#include "services/logs/validation.h"

namespace nimbus::logs::ops {
namespace {

const Value* Member(const Value& in, const char* key) {
  auto it = in.find(key);
  return it == in.end() ? nullptr : &*it;
}

// Validates logGroupName of `in` (required by the model, so present).
Result<std::string, AwsError> GroupNameOf(const Value& in) {
  std::string name = Str(in, "logGroupName");
  Violations v;
  CheckGroupName(v, "logGroupName", name);
  if (!v.empty()) return v.Error(kInvalidParameter);
  return name;
}

Value GroupJson(const CallContext& call, const GroupInfo& g, bool brief) {
  Value out = {{"logGroupName", g.name},
               {"creationTime", g.creation_time},
               {"arn", GroupArn(ScopeOf(call), g.name)}};
  if (brief) return out;
  out["metricFilterCount"] = 0;
  out["storedBytes"] = g.stored_bytes;
  out["logGroupClass"] = g.log_group_class;
  out["logGroupArn"] = GroupArn(ScopeOf(call), g.name, false);
  if (g.retention_days) out["retentionInDays"] = *g.retention_days;
  if (!g.kms_key_id.empty()) out["kmsKeyId"] = g.kms_key_id;
  return out;
}

Value ParseTags(const std::string& text) {
  Value tags = Value::parse(text, nullptr, false);
  return tags.is_object() ? tags : Value::object();
}

// Merges `add` into the group's tags, or removes `remove`'s keys.
OpResult UpdateTags(LogStore& store, const CallContext& call, const std::string& group,
                    const Value* add, const Value* remove) {
  auto text = store.GetTags(ScopeOf(call), group);
  if (!text.ok()) return ToAwsError(text.error());
  Value tags = ParseTags(*text);
  if (add != nullptr && add->is_object()) {
    for (auto it = add->begin(); it != add->end(); ++it) tags[it.key()] = *it;
  }
  if (remove != nullptr && remove->is_array()) {
    for (const Value& k : *remove) {
      if (k.is_string()) tags.erase(k.get<std::string>());
    }
  }
  if (tags.size() > 50) {
    return AwsError("TooManyTagsException", "A resource can have no more than 50 tags.");
  }
  Status st = store.SetTags(ScopeOf(call), group,
                            tags.dump(-1, ' ', false, Value::error_handler_t::replace));
  if (!st.ok()) return ToAwsError(st);
  return Value::object();
}

Result<std::string, AwsError> GroupOfResource(const CallContext& call, const Value& in) {
  std::string arn = Str(in, "resourceArn");
  auto group = GroupFromArn(arn);
  if (!group) return InvalidParameter("Invalid resource ARN: " + arn);
  if (!ArnIsCallers(call, arn)) {
    return AwsError("ResourceNotFoundException", "The specified log group does not exist.");
  }
  return *group;
}

}  // namespace

OpResult CreateLogGroup(LogStore& store, const CallContext& call, const Value& in) {
  auto name = GroupNameOf(in);
  if (!name.ok()) return name.error();
  std::string lower = name->substr(0, 4);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "aws/")
    return InvalidParameter("Log groups starting with AWS/ are reserved for AWS.");
  GroupInfo info;
  info.name = *name;
  info.kms_key_id = Str(in, "kmsKeyId");
  info.log_group_class = Str(in, "logGroupClass");
  if (!info.log_group_class.empty() && info.log_group_class != "STANDARD" &&
      info.log_group_class != "INFREQUENT_ACCESS" && info.log_group_class != "DELIVERY") {
    Violations v;
    v.Add(info.log_group_class, "logGroupClass",
          "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]");
    return v.Error(kInvalidParameter);
  }
  const Value* given = Member(in, "tags");
  Value tags = given != nullptr && given->is_object() ? *given : Value::object();
  Status st = store.CreateGroup(ScopeOf(call), info,
                                tags.dump(-1, ' ', false, Value::error_handler_t::replace));
  if (!st.ok()) return ToAwsError(st);
  return Value::object();
}

OpResult DeleteLogGroup(LogStore& store, const CallContext& call, const Value& in) {
  auto name = GroupNameOf(in);
  if (!name.ok()) return name.error();
  Status st = store.DeleteGroup(ScopeOf(call), *name);
  if (!st.ok()) return ToAwsError(st);
  return Value::object();
}

OpResult DescribeLogGroups(LogStore& store, const CallContext& call, const Value& in) {
  std::string prefix = Str(in, "logGroupNamePrefix");
  std::string pattern = Str(in, "logGroupNamePattern");
  if (in.contains("logGroupNamePrefix") && in.contains("logGroupNamePattern")) {
    return InvalidParameter(
        "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.");
  }
  Violations v;
  if (in.contains("logGroupNamePrefix")) CheckGroupName(v, "logGroupNamePrefix", prefix);
  int64_t limit = OptInt(in, "limit").value_or(50);
  v.Range(limit, 1, 50, "limit");
  if (!v.empty()) return v.Error(kInvalidParameter);
  std::string after;
  if (in.contains("nextToken")) {
    auto decoded = DecodePageToken("groups", Str(in, "nextToken"));
    if (!decoded) return InvalidParameter("The specified nextToken is invalid.");
    after = *decoded;
  }
  auto groups =
      store.ListGroups(ScopeOf(call), prefix, pattern, after, static_cast<int>(limit) + 1);
  if (!groups.ok()) return ToAwsError(groups.error());
  Value out = {{"logGroups", Value::array()}};
  bool more = groups->size() > static_cast<size_t>(limit);
  if (more) groups->pop_back();
  for (const GroupInfo& g : *groups) {
    out["logGroups"].push_back(GroupJson(call, g, in.contains("logGroupNamePattern")));
  }
  if (more) out["nextToken"] = EncodePageToken("groups", groups->back().name);
  return out;
}

OpResult PutRetentionPolicy(LogStore& store, const CallContext& call, const Value& in) {
  auto name = GroupNameOf(in);
  if (!name.ok()) return name.error();
  int64_t days = OptInt(in, "retentionInDays").value_or(0);
  if (!IsValidRetention(days)) {
    Violations v;
    v.Add(std::to_string(days), "retentionInDays",
          "Member must satisfy enum value set: " + RetentionValueSet());
    return v.Error(kInvalidParameter);
  }
  Status st = store.SetRetention(ScopeOf(call), *name, static_cast<int>(days));
  if (!st.ok()) return ToAwsError(st);
  return Value::object();
}

OpResult DeleteRetentionPolicy(LogStore& store, const CallContext& call, const Value& in) {
  auto name = GroupNameOf(in);
  if (!name.ok()) return name.error();
  Status st = store.SetRetention(ScopeOf(call), *name, std::nullopt);
  if (!st.ok()) return ToAwsError(st);
  return Value::object();
}

OpResult TagLogGroup(LogStore& store, const CallContext& call, const Value& in) {
  auto name = GroupNameOf(in);
  if (!name.ok()) return name.error();
  return UpdateTags(store, call, *name, Member(in, "tags"), nullptr);
}

OpResult UntagLogGroup(LogStore& store, const CallContext& call, const Value& in) {
  auto name = GroupNameOf(in);
  if (!name.ok()) return name.error();
  return UpdateTags(store, call, *name, nullptr, Member(in, "tags"));
}

OpResult ListTagsLogGroup(LogStore& store, const CallContext& call, const Value& in) {
  auto name = GroupNameOf(in);
  if (!name.ok()) return name.error();
  auto text = store.GetTags(ScopeOf(call), *name);
  if (!text.ok()) return ToAwsError(text.error());
  return Value{{"tags", ParseTags(*text)}};
}

OpResult TagResource(LogStore& store, const CallContext& call, const Value& in) {
  auto group = GroupOfResource(call, in);
  if (!group.ok()) return group.error();
  return UpdateTags(store, call, *group, Member(in, "tags"), nullptr);
}

OpResult UntagResource(LogStore& store, const CallContext& call, const Value& in) {
  auto group = GroupOfResource(call, in);
  if (!group.ok()) return group.error();
  return UpdateTags(store, call, *group, nullptr, Member(in, "tagKeys"));
}

OpResult ListTagsForResource(LogStore& store, const CallContext& call, const Value& in) {
  auto group = GroupOfResource(call, in);
  if (!group.ok()) return group.error();
  auto text = store.GetTags(ScopeOf(call), *group);
  if (!text.ok()) return ToAwsError(text.error());
  return Value{{"tags", ParseTags(*text)}};
}

}  // namespace nimbus::logs::ops
