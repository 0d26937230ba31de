#include "services/lambda/mappings/mappings.h"

#include "core/ids.h"
#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/kit/operations.h"
#include "services/kit/pagination.h"
#include "services/lambda/control/errors.h"
#include "services/lambda/control/names.h"
#include "services/lambda/mappings/event_filter.h"
#include "services/lambda/mappings/mapping_store.h"

namespace nimbus::lambda {
namespace {

constexpr const char* kReportFailures = "ReportBatchItemFailures";

// Members of stream, Kafka, MQ and DocumentDB sources that SQS mappings do not take.
constexpr const char* kNotForSqs[] = {"StartingPosition",
                                      "StartingPositionTimestamp",
                                      "ParallelizationFactor",
                                      "DestinationConfig",
                                      "MaximumRecordAgeInSeconds",
                                      "BisectBatchOnFunctionError",
                                      "MaximumRetryAttempts",
                                      "TumblingWindowInSeconds",
                                      "Topics",
                                      "Queues",
                                      "SourceAccessConfigurations",
                                      "SelfManagedEventSource",
                                      "AmazonManagedKafkaEventSourceConfig",
                                      "SelfManagedKafkaEventSourceConfig",
                                      "DocumentDBEventSourceConfig"};
// Members AWS takes for SQS that nimbus does not serve: refused rather than ignored. KMSKeyArn
// encrypts the filter criteria at rest (nimbus has no KMS); the others configure CloudWatch
// metrics, ESM logs and provisioned pollers, which nimbus does not emulate.
constexpr const char* kNotYet[] = {"KMSKeyArn", "MetricsConfig", "LoggingConfig",
                                   "ProvisionedPollerConfig"};
constexpr size_t kMaxTags = 50;

AwsError MappingNotFound() { return NotFound("The resource you requested does not exist."); }

// Adds `in`'s Tags to `tags`, within Lambda's limit of 50 per resource.
std::optional<AwsError> MergeTags(const Value& in, std::map<std::string, std::string>& tags) {
  const Value* given = Member(in, "Tags");
  if (given == nullptr || !given->is_object()) return std::nullopt;
  auto next = tags;
  for (auto it = given->begin(); it != given->end(); ++it) {
    if (!it->is_string()) return ValidationError("Tag values must be strings");
    next[it.key()] = it->get<std::string>();
  }
  if (next.size() > kMaxTags) return InvalidParam("Number of tags exceeds resource tag limit.");
  tags = std::move(next);
  return std::nullopt;
}

// The uuid of an event source mapping ARN of `call`'s account and region; nullopt otherwise.
std::optional<std::string> MappingUuidOf(const CallContext& call, const std::string& arn) {
  std::string prefix =
      "arn:aws:lambda:" + call.region + ":" + call.account_id + ":event-source-mapping:";
  if (!arn.starts_with(prefix)) return std::nullopt;
  return arn.substr(prefix.size());
}

}  // namespace

Result<std::unique_ptr<EventSourceMappings>> EventSourceMappings::Open(MappingDeps deps) {
  if (deps.db == nullptr || deps.clock == nullptr || deps.registry == nullptr) {
    return Status::InvalidArgument("event source mappings: db, clock and registry are required");
  }
  NIMBUS_RETURN_IF_ERROR(MigrateMappings(*deps.db));
  std::unique_ptr<EventSourceMappings> self(new EventSourceMappings(std::move(deps)));
  NIMBUS_RETURN_IF_ERROR(LoadMappings(*self->deps_.db, [&](EventSourceMapping m) {
    std::string uuid = m.uuid;
    self->mappings_[uuid] = std::move(m);
  }));
  return self;
}

void EventSourceMappings::RegisterOperations(OperationTable& table) {
  static constexpr Operation<EventSourceMappings> kOperations[] = {
      {"CreateEventSourceMapping", Member<&EventSourceMappings::Create>},
      {"GetEventSourceMapping", Member<&EventSourceMappings::Get>},
      {"UpdateEventSourceMapping", Member<&EventSourceMappings::Update>},
      {"DeleteEventSourceMapping", Member<&EventSourceMappings::Delete>},
      {"ListEventSourceMappings", Member<&EventSourceMappings::List>},
  };
  AddOperations(table, *this, kOperations);
  // Tags of mappings share the operations of functions' tags: a mapping ARN is served here,
  // any other resource by the handler registered before (LambdaControl's).
  for (const char* op : {"TagResource", "UntagResource", "ListTags"}) {
    const OperationTable::Entry* before = table.Find(op);
    SyncHandler others = before != nullptr ? before->sync : nullptr;
    table.Add(op, [this, others](const CallContext& call, const Value& in) -> OpResult {
      if (Str(in, "Resource").find(":event-source-mapping:") != std::string::npos ||
          others == nullptr) {
        return Tags(call, in);
      }
      return others(call, in);
    });
  }
}

OpResult EventSourceMappings::Tags(const CallContext& call, const Value& in) {
  std::string resource = Str(in, "Resource");
  auto uuid = MappingUuidOf(call, resource);
  if (!uuid) return MappingNotFound();
  std::lock_guard write(write_mu_);
  Value lookup = {{"UUID", *uuid}};
  auto found = Find(call, lookup);
  if (!found.ok()) return found.error();
  if (call.operation == "ListTags") return Value{{"Tags", found->tags}};
  EventSourceMapping m = *found;
  if (call.operation == "UntagResource") {
    if (const Value* keys = Member(in, "TagKeys"); keys != nullptr && keys->is_array()) {
      for (const Value& k : *keys) {
        if (k.is_string()) m.tags.erase(k.get<std::string>());
      }
    }
  } else if (auto e = MergeTags(in, m.tags)) {
    return *e;
  }
  // Tags do not change how the mapping polls: its pollers keep running.
  if (auto e = Commit(m, false, /*notify=*/false)) return *e;
  return Value::object();
}

void EventSourceMappings::Listen(Listener listener) {
  std::lock_guard write(write_mu_);
  std::map<std::string, EventSourceMapping> all;
  {
    std::lock_guard lock(mu_);
    listener_ = std::move(listener);
    all = mappings_;
  }
  if (!listener_) return;
  for (const auto& [uuid, m] : all) listener_(uuid, m);
}

std::optional<AwsError> EventSourceMappings::ApplyFunction(const CallContext& call,
                                                           const std::string& name,
                                                           EventSourceMapping& m) {
  auto ref = ResolveFunctionRef(name, "", call.account_id, call.region);
  if (!ref.ok()) return ref.error();
  auto resolved =
      deps_.registry->ResolveInvoke(ref->account, ref->region, ref->name, ref->qualifier);
  if (!resolved.ok() && resolved.error().http_status == 404) {
    return FunctionNotFound(QualifiedArn(ref->region, ref->account, ref->name, ref->qualifier));
  }
  m.function_name = ref->name;
  m.qualifier = ref->qualifier == kLatest ? "" : ref->qualifier;
  return std::nullopt;
}

std::optional<AwsError> EventSourceMappings::ApplySettings(const Value& in, EventSourceMapping& m,
                                                           bool creating) {
  for (const char* key : kNotForSqs) {
    if (Member(in, key) != nullptr)
      return InvalidParam(std::string(key) + " is not valid for SQS event sources.");
  }
  for (const char* key : kNotYet) {
    if (Member(in, key) != nullptr) {
      return InvalidParam(std::string("nimbus does not support ") + key +
                          " on event source mappings yet");
    }
  }
  Violations viol;
  bool batch_given = false, window_given = false;
  if (auto b = OptInt(in, "BatchSize")) {
    viol.Range(*b, 1, 10000, "batchSize");
    m.batch_size = static_cast<int>(*b);
    batch_given = true;
  }
  if (auto w = OptInt(in, "MaximumBatchingWindowInSeconds")) {
    viol.Range(*w, 0, 300, "maximumBatchingWindowInSeconds");
    m.max_batching_window_seconds = static_cast<int>(*w);
    window_given = true;
  }
  if (const Value* s = Member(in, "ScalingConfig")) {
    m.max_concurrency.reset();
    if (auto c = OptInt(*s, "MaximumConcurrency")) {
      viol.Range(*c, 2, 1000, "scalingConfig.maximumConcurrency");
      m.max_concurrency = static_cast<int>(*c);
    }
  }
  if (const Value* types = Member(in, "FunctionResponseTypes")) {
    m.report_batch_item_failures = false;
    if (types->is_array()) {
      for (const Value& t : *types) {
        std::string type = t.is_string() ? t.get<std::string>() : t.dump();
        if (type == kReportFailures) {
          m.report_batch_item_failures = true;
        } else {
          viol.Add(type, "functionResponseTypes",
                   "Member must satisfy constraint: [Member must satisfy enum value set: "
                   "[ReportBatchItemFailures]]");
        }
      }
    }
  }
  if (const Value* e = Member(in, "Enabled"); e != nullptr && e->is_boolean()) {
    m.enabled = e->get<bool>();
  }
  if (!viol.empty()) return viol.Error();
  if (const Value* criteria = Member(in, "FilterCriteria")) {
    auto filter = EventFilter::Parse(*criteria);
    if (!filter.ok()) return filter.error();
    m.filter_criteria = filter->empty() ? Value() : filter->criteria();
  }
  if (!deps_.queues) return InvalidParam("SQS is not running in this nimbus");
  auto facts = deps_.queues->Describe(m.event_source_arn);
  if (!facts.ok()) {
    if (facts.error().code() == StatusCode::kNotFound) {
      return InvalidParam(
          "Error occurred while ReceiveMessage. SQS Error Code: "
          "AWS.SimpleQueueService.NonExistentQueue. Error Message: The specified queue does not "
          "exist or you do not have access to it.");
    }
    return InvalidParam("Error occurred while ReceiveMessage: " + facts.error().message());
  }
  if (facts->fifo) {
    if (m.batch_size > 10) {
      return InvalidParam("BatchSize must be between 1 and 10 for FIFO queues.");
    }
    if (m.max_batching_window_seconds > 0 && (creating || window_given)) {
      return InvalidParam("MaximumBatchingWindowInSeconds is not supported for FIFO queues.");
    }
  } else if (m.batch_size > 10 && m.max_batching_window_seconds == 0 &&
             (creating || batch_given || window_given)) {
    return InvalidParam(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
        "greater than 10");
  }
  auto fn = deps_.registry->ResolveInvoke(m.account, m.region, m.function_name, m.qualifier);
  if (fn.ok() && fn->function->timeout_seconds > facts->visibility_timeout_seconds) {
    return InvalidParam(
        "Queue visibility timeout: " + std::to_string(facts->visibility_timeout_seconds) +
        " seconds is less than Function timeout: " + std::to_string(fn->function->timeout_seconds) +
        " seconds");
  }
  return std::nullopt;
}

std::optional<AwsError> EventSourceMappings::Commit(const EventSourceMapping& m, bool erase,
                                                    bool notify) {
  Status st = erase ? DeleteMappingRow(*deps_.db, m.uuid) : SaveMapping(*deps_.db, m);
  if (!st.ok()) return ServiceError("cannot store the event source mapping: " + st.message());
  Listener listener;
  {
    std::lock_guard lock(mu_);
    if (erase) {
      mappings_.erase(m.uuid);
    } else {
      mappings_[m.uuid] = m;
    }
    listener = listener_;
  }
  if (listener && notify) {
    listener(m.uuid, erase ? std::nullopt : std::optional<EventSourceMapping>(m));
  }
  return std::nullopt;
}

OpResult EventSourceMappings::Create(const CallContext& call, const Value& in) {
  auto name = RequiredStr(in, "FunctionName", "ValidationException");
  if (!name.ok()) return name.error();
  std::string source = Str(in, "EventSourceArn");
  auto arn = ParseArn(source);
  if (!arn || arn->service != "sqs") {
    if (arn && (arn->service == "kinesis" || arn->service == "dynamodb" ||
                arn->service == "kafka" || arn->service == "mq" || arn->service == "rds")) {
      return InvalidParam("nimbus serves event source mappings from SQS queues only, not from " +
                          arn->service + ": " + source);
    }
    return InvalidParam(
        "Unrecognized event source, must be kinesis, dynamodb stream or sqs. Unsupported source "
        "arn : " +
        source);
  }
  EventSourceMapping m;
  m.uuid = NewUuid();
  m.account = call.account_id;
  m.region = call.region;
  m.event_source_arn = source;
  if (auto e = ApplyFunction(call, *name, m)) return *e;
  if (auto e = ApplySettings(in, m, /*creating=*/true)) return *e;
  if (auto e = MergeTags(in, m.tags)) return *e;
  m.last_modified = deps_.clock->NowMillis() / 1000.0;
  std::lock_guard write(write_mu_);
  {
    std::lock_guard lock(mu_);
    for (const auto& [uuid, other] : mappings_) {
      if (other.account == m.account && other.region == m.region &&
          other.event_source_arn == m.event_source_arn &&
          MappingFunctionArn(other) == MappingFunctionArn(m)) {
        return Conflict("The event source arn (\" " + source + " \") and function (\" " +
                        m.function_name +
                        " \") provided mapping already exists. Please update or delete the "
                        "existing mapping with UUID " +
                        uuid);
      }
    }
  }
  if (auto e = Commit(m, false)) return *e;
  return MappingOutput(m, "Creating");
}

Result<EventSourceMapping, AwsError> EventSourceMappings::Find(const CallContext& call,
                                                               const Value& in) {
  std::string uuid = Str(in, "UUID");
  std::lock_guard lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end() || it->second.account != call.account_id ||
      it->second.region != call.region) {
    return MappingNotFound();
  }
  return it->second;
}

OpResult EventSourceMappings::Get(const CallContext& call, const Value& in) {
  auto m = Find(call, in);
  if (!m.ok()) return m.error();
  return MappingOutput(*m, SettledState(*m));
}

OpResult EventSourceMappings::Update(const CallContext& call, const Value& in) {
  std::lock_guard write(write_mu_);
  auto found = Find(call, in);
  if (!found.ok()) return found.error();
  EventSourceMapping m = *found;
  if (auto name = OptStr(in, "FunctionName")) {
    if (auto e = ApplyFunction(call, *name, m)) return *e;
  }
  if (auto e = ApplySettings(in, m, /*creating=*/false)) return *e;
  m.last_modified = deps_.clock->NowMillis() / 1000.0;
  if (auto e = Commit(m, false)) return *e;
  std::string_view state = "Updating";
  if (m.enabled != found->enabled) state = m.enabled ? "Enabling" : "Disabling";
  return MappingOutput(m, state);
}

OpResult EventSourceMappings::Delete(const CallContext& call, const Value& in) {
  std::lock_guard write(write_mu_);
  auto m = Find(call, in);
  if (!m.ok()) return m.error();
  if (auto e = Commit(*m, true)) return *e;
  return MappingOutput(*m, "Deleting");
}

OpResult EventSourceMappings::List(const CallContext& call, const Value& in) {
  Violations viol;
  int64_t max = Int(in, "MaxItems", 100);
  viol.Range(max, 1, 10000, "maxItems");
  if (!viol.empty()) return viol.Error();
  std::string source = Str(in, "EventSourceArn");
  std::optional<FunctionRef> fn;
  if (auto name = OptStr(in, "FunctionName")) {
    auto ref = ResolveFunctionRef(*name, "", call.account_id, call.region);
    if (!ref.ok()) return ref.error();
    fn = *ref;
  }
  KeyPager page("nimbus/lambda-mappings/", Str(in, "Marker"), max);
  if (!page.valid()) return InvalidMarker();
  Value out = {{"EventSourceMappings", Value::array()}};
  std::lock_guard lock(mu_);
  for (const auto& [uuid, m] : mappings_) {
    if (m.account != call.account_id || m.region != call.region) continue;
    if (!source.empty() && m.event_source_arn != source) continue;
    if (fn &&
        (m.function_name != fn->name || (!fn->qualifier.empty() && m.qualifier != fn->qualifier))) {
      continue;
    }
    KeyPager::Step step = page.Offer(uuid);
    if (step == KeyPager::kSkip) continue;
    if (step == KeyPager::kFull) break;
    out["EventSourceMappings"].push_back(MappingOutput(m, SettledState(m)));
  }
  if (auto next = page.next_token()) out["NextMarker"] = *next;
  return out;
}

}  // namespace nimbus::lambda
