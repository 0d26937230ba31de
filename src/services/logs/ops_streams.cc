// Log stream operations: create, delete, describe.
#include "services/logs/ops.h"
#include "services/logs/tokens.h"
#include "services/logs/validation.h"

namespace nimbus::logs::ops {
namespace {

struct GroupAndStream {
  std::string group;
  std::string stream;
};

Result<GroupAndStream, AwsError> NamesOf(const Value& in) {
  GroupAndStream out{Str(in, "logGroupName"), Str(in, "logStreamName")};
  Violations v;
  CheckGroupName(v, "logGroupName", out.group);
  CheckStreamName(v, "logStreamName", out.stream);
  if (!v.empty()) return v.Error(kInvalidParameter);
  return out;
}

Value StreamJson(const CallContext& call, const std::string& group, const StreamInfo& s) {
  Value out = {
      {"logStreamName", s.name},
      {"creationTime", s.creation_time},
      {"arn", GroupArn(ScopeOf(call), group, false) + ":log-stream:" + s.name},
      // AWS reports 0 for streams since 2019 (the group's storedBytes is real).
      {"storedBytes", 0}};
  if (s.first_event) out["firstEventTimestamp"] = *s.first_event;
  if (s.last_event) out["lastEventTimestamp"] = *s.last_event;
  if (s.last_ingestion) out["lastIngestionTime"] = *s.last_ingestion;
  return out;
}

}  // namespace

OpResult CreateLogStream(LogStore& store, const CallContext& call, const Value& in) {
  auto names = NamesOf(in);
  if (!names.ok()) return names.error();
  Status st = store.CreateStream(ScopeOf(call), names->group, names->stream);
  if (!st.ok()) return ToAwsError(st);
  return Value::object();
}

OpResult DeleteLogStream(LogStore& store, const CallContext& call, const Value& in) {
  auto names = NamesOf(in);
  if (!names.ok()) return names.error();
  Status st = store.DeleteStream(ScopeOf(call), names->group, names->stream);
  if (!st.ok()) return ToAwsError(st);
  return Value::object();
}

OpResult DescribeLogStreams(LogStore& store, const CallContext& call, const Value& in) {
  auto group = ResolveGroup(call, in);
  if (!group.ok()) return group.error();
  LogStore::StreamQuery q;
  q.prefix = Str(in, "logStreamNamePrefix");
  std::string order = in.contains("orderBy") ? Str(in, "orderBy") : "LogStreamName";
  q.descending = Bool(in, "descending");
  int64_t limit = OptInt(in, "limit").value_or(50);
  Violations v;
  if (in.contains("logStreamNamePrefix")) CheckStreamName(v, "logStreamNamePrefix", q.prefix);
  if (order != "LogStreamName" && order != "LastEventTime") {
    v.Add(order, "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]");
  }
  v.Range(limit, 1, 50, "limit");
  if (!v.empty()) return v.Error(kInvalidParameter);
  q.by_last_event = order == "LastEventTime";
  if (q.by_last_event && in.contains("logStreamNamePrefix")) {
    return InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  if (in.contains("nextToken")) {
    q.after = DecodeStreamsToken(Str(in, "nextToken"));
    if (!q.after) return InvalidParameter("The specified nextToken is invalid.");
  }
  q.limit = static_cast<int>(limit) + 1;
  auto streams = store.ListStreams(ScopeOf(call), *group, q);
  if (!streams.ok()) return ToAwsError(streams.error());
  bool more = streams->size() > static_cast<size_t>(limit);
  if (more) streams->pop_back();
  Value out = {{"logStreams", Value::array()}};
  for (const StreamInfo& s : *streams) out["logStreams"].push_back(StreamJson(call, *group, s));
  if (more) {
    const StreamInfo& last = streams->back();
    out["nextToken"] = EncodeStreamsToken(last.last_event.value_or(0), last.name);
  }
  return out;
}

}  // namespace nimbus::logs::ops
