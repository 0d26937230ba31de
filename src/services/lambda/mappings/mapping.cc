#include "services/lambda/mappings/mapping.h"

#include "services/kit/input.h"
#include "services/lambda/control/names.h"

namespace nimbus::lambda {

std::string MappingFunctionArn(const EventSourceMapping& m) {
  return QualifiedArn(m.region, m.account, m.function_name, m.qualifier);
}

std::string MappingArn(const EventSourceMapping& m) {
  return "arn:aws:lambda:" + m.region + ":" + m.account + ":event-source-mapping:" + m.uuid;
}

Value MappingOutput(const EventSourceMapping& m, std::string_view state) {
  Value out = {{"UUID", m.uuid},
               {"BatchSize", m.batch_size},
               {"MaximumBatchingWindowInSeconds", m.max_batching_window_seconds},
               {"EventSourceArn", m.event_source_arn},
               {"FunctionArn", MappingFunctionArn(m)},
               {"LastModified", m.last_modified},
               {"State", std::string(state)},
               {"StateTransitionReason", "USER_INITIATED"},
               {"FunctionResponseTypes", Value::array()},
               {"EventSourceMappingArn", MappingArn(m)}};
  if (m.report_batch_item_failures) {
    out["FunctionResponseTypes"].push_back("ReportBatchItemFailures");
  }
  if (m.max_concurrency) out["ScalingConfig"] = {{"MaximumConcurrency", *m.max_concurrency}};
  if (!m.filter_criteria.is_null()) out["FilterCriteria"] = m.filter_criteria;
  return out;
}

Value ToJson(const EventSourceMapping& m) {
  Value j = {{"uuid", m.uuid},
             {"account", m.account},
             {"region", m.region},
             {"function", m.function_name},
             {"qualifier", m.qualifier},
             {"source", m.event_source_arn},
             {"batch_size", m.batch_size},
             {"window", m.max_batching_window_seconds},
             {"enabled", m.enabled},
             {"report_failures", m.report_batch_item_failures},
             {"last_modified", m.last_modified}};
  if (m.max_concurrency) j["max_concurrency"] = *m.max_concurrency;
  if (!m.filter_criteria.is_null()) j["filter_criteria"] = m.filter_criteria;
  if (!m.tags.empty()) j["tags"] = m.tags;
  return j;
}

bool FromJson(const Value& j, EventSourceMapping& m) {
  if (!j.is_object() || Str(j, "uuid").empty()) return false;
  m.uuid = Str(j, "uuid");
  m.account = Str(j, "account");
  m.region = Str(j, "region");
  m.function_name = Str(j, "function");
  m.qualifier = Str(j, "qualifier");
  m.event_source_arn = Str(j, "source");
  m.batch_size = static_cast<int>(Int(j, "batch_size", 10));
  m.max_batching_window_seconds = static_cast<int>(Int(j, "window", 0));
  m.enabled = Bool(j, "enabled", true);
  m.report_batch_item_failures = Bool(j, "report_failures", false);
  if (auto c = OptInt(j, "max_concurrency")) m.max_concurrency = static_cast<int>(*c);
  if (const Value* f = Member(j, "filter_criteria"); f != nullptr && f->is_object()) {
    m.filter_criteria = *f;
  }
  if (const Value* t = Member(j, "tags"); t != nullptr && t->is_object()) {
    for (auto it = t->begin(); it != t->end(); ++it) {
      if (it->is_string()) m.tags[it.key()] = it->get<std::string>();
    }
  }
  if (const Value* t = Member(j, "last_modified"); t != nullptr && t->is_number()) {
    m.last_modified = t->get<double>();
  }
  return true;
}

}  // namespace nimbus::lambda
