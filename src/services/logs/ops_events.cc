// Event operations: PutLogEvents, GetLogEvents, FilterLogEvents.
#include <string>
#include <unordered_set>

#include "services/logs/filter_pattern.h"
#include "services/logs/ops.h"
#include "services/logs/tokens.h"
#include "services/logs/validation.h"

namespace nimbus::logs::ops {
namespace {

constexpr int64_t kMaxResponseBytes = 1'048'576;

// `id` moved by `by`, staying put at int64's ends: a client's token may carry any id.
int64_t StepId(int64_t id, int64_t by) {
  int64_t out;
  return __builtin_add_overflow(id, by, &out) ? id : out;
}

Result<TimeRange, AwsError> RangeOf(const Value& in) {
  TimeRange r;
  Violations v;
  if (auto s = OptInt(in, "startTime")) {
    v.Range(*s, 0, INT64_MAX, "startTime");
    r.start = *s;
  }
  if (auto e = OptInt(in, "endTime")) {
    v.Range(*e, 0, INT64_MAX, "endTime");
    r.end = *e;
  }
  if (!v.empty()) return v.Error(kInvalidParameter);
  return r;
}

Result<int, AwsError> LimitOf(const Value& in) {
  int64_t limit = OptInt(in, "limit").value_or(10000);
  Violations v;
  v.Range(limit, 1, 10000, "limit");
  if (!v.empty()) return v.Error(kInvalidParameter);
  return static_cast<int>(limit);
}

}  // namespace

OpResult PutLogEvents(LogStore& store, const CallContext& call, const Value& in) {
  std::string group = Str(in, "logGroupName");
  std::string stream = Str(in, "logStreamName");
  Violations v;
  CheckGroupName(v, "logGroupName", group);
  CheckStreamName(v, "logStreamName", stream);
  if (!v.empty()) return v.Error(kInvalidParameter);
  std::vector<LogEvent> events;
  auto list = in.find("logEvents");
  if (list != in.end() && list->is_array()) {
    events.reserve(list->size());
    for (const Value& e : *list) {
      events.push_back(LogEvent{OptInt(e, "timestamp").value_or(0), Str(e, "message")});
    }
  }
  auto info = store.GetGroup(ScopeOf(call), group);
  if (!info.ok()) return ToAwsError(info.error());
  auto verdict = CheckBatch(events, store.NowMillis(), info->retention_days);
  if (!verdict.ok()) return verdict.error();
  std::vector<LogEvent> accepted(std::make_move_iterator(events.begin() + verdict->begin),
                                 std::make_move_iterator(events.begin() + verdict->end));
  Status st = accepted.empty() ? store.CheckStream(ScopeOf(call), group, stream)
                               : store.Append(ScopeOf(call), group, stream, accepted);
  if (!st.ok()) return ToAwsError(st);
  Value out = Value::object();
  std::string token = std::to_string(store.NowMillis());
  out["nextSequenceToken"] = std::string(56 - token.size(), '0') + token;
  Value rejected = Value::object();
  if (verdict->too_new_start) rejected["tooNewLogEventStartIndex"] = *verdict->too_new_start;
  if (verdict->too_old_end) rejected["tooOldLogEventEndIndex"] = *verdict->too_old_end;
  if (verdict->expired_end) rejected["expiredLogEventEndIndex"] = *verdict->expired_end;
  if (!rejected.empty()) out["rejectedLogEventsInfo"] = std::move(rejected);
  return out;
}

OpResult GetLogEvents(LogStore& store, const CallContext& call, const Value& in) {
  auto group = ResolveGroup(call, in);
  if (!group.ok()) return group.error();
  std::string stream = Str(in, "logStreamName");
  Violations v;
  CheckStreamName(v, "logStreamName", stream);
  if (!v.empty()) return v.Error(kInvalidParameter);
  auto range = RangeOf(in);
  if (!range.ok()) return range.error();
  auto limit = LimitOf(in);
  if (!limit.ok()) return limit.error();
  std::optional<StreamToken> token;
  std::string token_text = Str(in, "nextToken");
  if (in.contains("nextToken")) {
    token = DecodeStreamToken(token_text);
    if (!token) return InvalidParameter("The specified nextToken is invalid.");
  }
  bool forward = token ? token->forward : Bool(in, "startFromHead");
  std::optional<EventPos> from;
  if (token) from = token->pos;
  auto events = store.ReadStream(ScopeOf(call), *group, stream, *range, from, forward, *limit,
                                 kMaxResponseBytes);
  if (!events.ok()) return ToAwsError(events.error());
  Value out = {{"events", Value::array()}};
  for (const StoredEvent& e : *events) {
    out["events"].push_back({{"timestamp", e.pos.timestamp},
                             {"message", e.message},
                             {"ingestionTime", e.ingestion_time}});
  }
  if (!events->empty()) {
    out["nextForwardToken"] = EncodeStreamToken(true, events->back().pos);
    out["nextBackwardToken"] = EncodeStreamToken(false, events->front().pos);
  } else if (token && token->forward) {
    // End of the stream: the same token comes back (AWS's end-of-stream signal).
    out["nextForwardToken"] = token_text;
    out["nextBackwardToken"] =
        EncodeStreamToken(false, {token->pos.timestamp, StepId(token->pos.id, +1)});
  } else if (token) {
    out["nextBackwardToken"] = token_text;
    out["nextForwardToken"] =
        EncodeStreamToken(true, {token->pos.timestamp, StepId(token->pos.id, -1)});
  } else {
    out["nextForwardToken"] = EncodeStreamToken(true, {});
    out["nextBackwardToken"] = EncodeStreamToken(false, {});
  }
  return out;
}

OpResult FilterLogEvents(LogStore& store, const CallContext& call, const Value& in) {
  auto group = ResolveGroup(call, in);
  if (!group.ok()) return group.error();
  auto range = RangeOf(in);
  if (!range.ok()) return range.error();
  auto limit = LimitOf(in);
  if (!limit.ok()) return limit.error();
  bool has_names = in.contains("logStreamNames");
  std::string prefix = Str(in, "logStreamNamePrefix");
  if (has_names && in.contains("logStreamNamePrefix")) {
    return InvalidParameter(
        "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
  }
  std::unordered_set<std::string> names;
  Violations v;
  if (has_names) {
    const Value& list = *in.find("logStreamNames");
    if (!list.is_array() || list.empty()) {
      v.AddWithoutValue("logStreamNames", "Member must have length greater than or equal to 1");
    } else if (list.size() > 100) {
      v.AddWithoutValue("logStreamNames", "Member must have length less than or equal to 100");
    } else {
      for (const Value& n : list) names.insert(n.is_string() ? n.get<std::string>() : "");
    }
  }
  if (in.contains("logStreamNamePrefix")) CheckStreamName(v, "logStreamNamePrefix", prefix);
  if (!v.empty()) return v.Error(kInvalidParameter);
  auto pattern = FilterPattern::Parse(Str(in, "filterPattern"));
  if (!pattern.ok()) return InvalidParameter(pattern.error().message());
  std::optional<EventPos> after;
  if (in.contains("nextToken")) {
    after = DecodeFilterToken(Str(in, "nextToken"));
    if (!after) return InvalidParameter("The specified nextToken is invalid.");
  }
  auto stream_ok = [&](std::string_view s) {
    if (has_names) return names.count(std::string(s)) > 0;
    return s.substr(0, prefix.size()) == prefix;
  };
  auto match = [&](std::string_view m) { return pattern->Matches(m); };
  auto res = store.Filter(ScopeOf(call), *group, *range, after, stream_ok, match, *limit,
                          kMaxResponseBytes);
  if (!res.ok()) return ToAwsError(res.error());
  Value out = {{"events", Value::array()}, {"searchedLogStreams", Value::array()}};
  for (const StoredEvent& e : res->events) {
    out["events"].push_back({{"logStreamName", e.stream},
                             {"timestamp", e.pos.timestamp},
                             {"message", e.message},
                             {"ingestionTime", e.ingestion_time},
                             {"eventId", EventId(e.pos)}});
  }
  if (res->more) out["nextToken"] = EncodeFilterToken(res->resume);
  return out;
}

}  // namespace nimbus::logs::ops
