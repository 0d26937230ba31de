// CreateFunction, GetFunction(Configuration), ListFunctions, UpdateFunctionCode,
// UpdateFunctionConfiguration, DeleteFunction.
#include "core/ids.h"
#include "services/kit/input.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"
#include "services/lambda/control/validation.h"

namespace nimbus::lambda {
namespace {

std::optional<AwsError> CheckTags(const Value& tags) {
  if (!tags.is_object()) return ValidationError("Tags must be a map");
  if (tags.size() > 50) return InvalidParam("Number of tags exceeds resource tag limit.");
  for (auto it = tags.begin(); it != tags.end(); ++it) {
    if (it.key().empty() || it.key().size() > 128 || !it->is_string() ||
        it->get_ref<const std::string&>().size() > 256) {
      return InvalidParam("Tag keys must be 1 to 128 characters and values at most 256: " +
                          it.key());
    }
  }
  return std::nullopt;
}

// The zip of a CreateFunction Code / UpdateFunctionCode input, or the AWS error for its absence.
Result<std::string, AwsError> ZipFrom(const Value& code, const CallContext& call,
                                      const std::string& op) {
  if (call.http != nullptr && call.http->body.size() > kMaxRequestBytes) return RequestTooLarge(op);
  if (auto zip = Blob(code, "ZipFile")) {
    if (zip->size() > kMaxZippedBytes) return RequestTooLarge(op);
    return *zip;
  }
  if (Member(code, "S3Bucket") || Member(code, "S3Key")) {
    return InvalidParam("nimbus does not serve S3: upload the deployment package with ZipFile");
  }
  if (Member(code, "ImageUri")) {
    return InvalidParam(
        "Please don't provide ImageUri when updating a function with "
        "packageType Zip.");
  }
  return InvalidParam("Please provide a source for function code.");
}

void MarkUpdating(Value& c) {
  c["LastUpdateStatus"] = "InProgress";
  c["LastUpdateStatusReason"] = "The function is being created.";
  c["LastUpdateStatusReasonCode"] = "Creating";
}

}  // namespace

OpResult LambdaControl::CreateFunction(const CallContext& call, const Value& in) {
  auto parsed = ParseFunctionRef(Str(in, "FunctionName"), /*allow_qualifier=*/false);
  if (!parsed.ok()) return parsed.error();
  auto ref = ResolveFunctionRef(Str(in, "FunctionName"), "", call.account_id, call.region);
  if (!ref.ok()) return ref.error();
  const std::string package = Str(in, "PackageType", "Zip");
  if (package != "Zip" && package != "Image") {
    Violations v;
    v.Add(package, "packageType", "Member must satisfy enum value set: [Image, Zip]");
    return v.Error();
  }
  const bool image = package == "Image";
  Value empty = Value::object();
  const Value* code = Member(in, "Code");
  if (code == nullptr) code = &empty;
  Result<std::string, AwsError> zip = std::string();
  if (!image) zip = ZipFrom(*code, call, "CreateFunction");
  if (!zip.ok()) return zip.error();
  if (image && Str(*code, "ImageUri").empty()) {
    return InvalidParam("Please provide ImageUri when creating a function with packageType Image.");
  }
  auto f = std::make_shared<FunctionState>();
  f->account = call.account_id;
  f->region = call.region;
  f->name = ref->name;
  VersionState& v = f->latest;
  v.config = {{"FunctionName", f->name},
              {"FunctionArn", FunctionArn(f->region, f->account, f->name)},
              {"Description", ""},
              {"Timeout", 3},
              {"MemorySize", 128},
              {"Version", std::string(kLatest)},
              {"TracingConfig", {{"Mode", "PassThrough"}}},
              {"PackageType", package},
              {"Architectures", {std::string(HostArchitecture())}},
              {"EphemeralStorage", {{"Size", 512}}},
              {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
              {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + f->name}}}};
  if (auto e = ApplyConfig(call, in, /*creating=*/true, *f, v)) return *e;
  if (const Value* tags = Member(in, "Tags")) {
    if (auto e = CheckTags(*tags)) return *e;
    f->tags = *tags;
  }
  Value& c = v.config;
  if (image) {
    if (auto e = SetImageCode(call, Str(*code, "ImageUri"), v)) return *e;
  } else {
    auto info = code_.Ingest(*zip);
    if (!info.ok()) return info.error();
    v.code_hex = info->hex;
    v.code_unzipped = info->unzipped_size;
    uint64_t total = v.code_unzipped;
    for (const LayerUse& l : v.layers) total += l.unzipped;
    if (total > kMaxUnzippedBytes) {
      return InvalidParam(
          "Function code combined with layers exceeds the maximum allowed size of " +
          std::to_string(kMaxUnzippedBytes) + " bytes. The actual size is " +
          std::to_string(total) + " bytes.");
    }
    c["CodeSha256"] = info->sha256_base64;
    c["CodeSize"] = info->size;
  }
  c["LastModified"] = NowTimestamp();
  c["RevisionId"] = NewUuid();
  c["State"] = "Pending";
  c["StateReason"] = "The function is being created.";
  c["StateReasonCode"] = "Creating";
  std::string key = Key(f->account, f->region, f->name);
  Value out;
  bool later = false;
  {
    std::lock_guard write(write_mu_);
    if (Find(f->account, f->region, f->name) != nullptr) {
      return Conflict("Function already exist: " + f->name);
    }
    v.generation = next_generation_++;
    out = c;
    if (Bool(in, "Publish")) out = f->versions[PublishInto(*f, std::nullopt)].config;
    later = SettleNowOrLater(c);
    Status st = Commit(f);
    if (!st.ok()) return ServiceError("cannot store the function: " + st.message());
  }
  if (later) ScheduleSettle(key);
  return out;
}

Result<std::pair<const VersionState*, std::string>, AwsError> LambdaControl::Target(
    const FunctionState& f, const std::string& qualifier) const {
  std::string arn = QualifiedArn(f.region, f.account, f.name, qualifier);
  std::string version = qualifier;
  if (!qualifier.empty() && qualifier != kLatest && !IsVersionNumber(qualifier)) {
    auto alias = f.aliases.find(qualifier);
    if (alias == f.aliases.end()) return FunctionNotFound(arn);
    version = Str(alias->second, "FunctionVersion");
  }
  const VersionState* v = VersionFor(f, version);
  if (v == nullptr) return FunctionNotFound(arn);
  return std::make_pair(v, arn);
}

OpResult LambdaControl::GetFunctionConfiguration(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in);
  if (!found.ok()) return found.error();
  auto& [ref, f] = *found;
  auto target = Target(*f, ref.qualifier);
  if (!target.ok()) return target.error();
  Value out = target->first->config;
  if (!ref.qualifier.empty()) out["FunctionArn"] = target->second;
  return out;
}

OpResult LambdaControl::GetFunction(const CallContext& call, const Value& in) {
  auto config = GetFunctionConfiguration(call, in);
  if (!config.ok()) return config;
  auto found = Lookup(call, in);
  if (!found.ok()) return found.error();
  auto& [ref, f] = *found;
  auto target = Target(*f, ref.qualifier);
  if (!target.ok()) return target.error();
  const VersionState& v = *target->first;
  Value code = {{"RepositoryType", "S3"}, {"Location", CodeUrl(call, v.code_hex)}};
  if (!v.image_uri.empty()) {
    code = {{"RepositoryType", "ECR"},
            {"ImageUri", v.image_uri},
            {"ResolvedImageUri", v.resolved_image_uri}};
  }
  Value out = {{"Configuration", std::move(*config)}, {"Code", std::move(code)}};
  if (!f->tags.empty()) out["Tags"] = f->tags;
  if (f->reserved_concurrency) {
    out["Concurrency"] = {{"ReservedConcurrentExecutions", *f->reserved_concurrency}};
  }
  return out;
}

OpResult LambdaControl::UpdateFunctionCode(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const bool image = Str(found->second->latest.config, "PackageType", "Zip") == "Image";
  Result<std::string, AwsError> zip = std::string();
  if (!image) zip = ZipFrom(in, call, "UpdateFunctionCode");
  if (!zip.ok()) return zip.error();
  if (image && Str(in, "ImageUri").empty()) {
    return InvalidParam("Please provide ImageUri when updating a function with packageType Image.");
  }
  if (const Value* arch = Member(in, "Architectures")) {
    if (auto e = CheckArchitectures(*arch)) return *e;
  }
  // The new code: a zip ingested, or an image resolved to its digest now (the function keeps
  // that digest until the next UpdateFunctionCode, whatever its tag does meanwhile).
  CodeInfo ingested;
  VersionState image_code;
  if (image) {
    if (auto e = SetImageCode(call, Str(in, "ImageUri"), image_code)) return *e;
  } else {
    auto info = code_.Ingest(*zip);
    if (!info.ok()) return info.error();
    ingested = *info;
  }
  const FunctionRef& ref = found->first;
  std::string key = Key(ref.account, ref.region, ref.name);
  Value out;
  bool later = false;
  {
    std::lock_guard write(write_mu_);
    auto cur = CurrentForWrite(ref, in);
    if (!cur.ok()) return cur.error();
    auto next = std::make_shared<FunctionState>(**cur);
    VersionState& v = next->latest;
    Value& c = v.config;
    if (Str(c, "PackageType", "Zip") != (image ? "Image" : "Zip")) {
      return Conflict("The function's package type changed while its code was being updated.");
    }
    if (image) {
      v.image_uri = image_code.image_uri;
      v.resolved_image_uri = image_code.resolved_image_uri;
      v.pinned_image_uri = image_code.pinned_image_uri;
      c["CodeSha256"] = image_code.config["CodeSha256"];
      c["CodeSize"] = 0;
      if (Str(c, "State") == "Failed") {  // e.g. its image was deleted: a new one revives it
        c["State"] = "Active";
        c.erase("StateReason");
        c.erase("StateReasonCode");
      }
    } else {
      v.code_hex = ingested.hex;
      v.code_unzipped = ingested.unzipped_size;
      c["CodeSha256"] = ingested.sha256_base64;
      c["CodeSize"] = ingested.size;
    }
    if (Bool(in, "DryRun")) return c;
    c["LastModified"] = NowTimestamp();
    c["RevisionId"] = NewUuid();
    MarkUpdating(c);
    v.generation = next_generation_++;
    out = c;
    if (Bool(in, "Publish")) out = next->versions[PublishInto(*next, std::nullopt)].config;
    later = SettleNowOrLater(c);
    if (later) v.before_update = (*cur)->latest.snapshot;
    Status st = Commit(next);
    if (!st.ok()) return ServiceError("cannot store the function: " + st.message());
  }
  if (later) ScheduleSettle(key);
  return out;
}

OpResult LambdaControl::UpdateFunctionConfiguration(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in, nullptr);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::string key = Key(ref.account, ref.region, ref.name);
  Value out;
  bool later = false;
  {
    std::lock_guard write(write_mu_);
    auto cur = CurrentForWrite(ref, in);
    if (!cur.ok()) return cur.error();
    auto next = std::make_shared<FunctionState>(**cur);
    VersionState& v = next->latest;
    if (auto e = ApplyConfig(call, in, /*creating=*/false, *next, v)) return *e;
    v.config["LastModified"] = NowTimestamp();
    v.config["RevisionId"] = NewUuid();
    MarkUpdating(v.config);
    v.generation = next_generation_++;
    out = v.config;
    later = SettleNowOrLater(v.config);
    if (later) v.before_update = (*cur)->latest.snapshot;
    Status st = Commit(next);
    if (!st.ok()) return ServiceError("cannot store the function: " + st.message());
  }
  if (later) ScheduleSettle(key);
  return out;
}

OpResult LambdaControl::DeleteFunction(const CallContext& call, const Value& in) {
  auto found = Lookup(call, in);
  if (!found.ok()) return found.error();
  const FunctionRef& ref = found->first;
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(ref.account, ref.region, ref.name);
  if (cur == nullptr) return FunctionNotFound(FunctionArn(ref.region, ref.account, ref.name));
  auto next = std::make_shared<FunctionState>(*cur);
  if (ref.qualifier.empty()) {
    Status st = Commit(next, /*erase=*/true);
    if (!st.ok()) return ServiceError("cannot delete the function: " + st.message());
    return Value{{"StatusCode", 204}};
  }
  if (ref.qualifier == kLatest) {
    return InvalidParam("$LATEST version cannot be deleted without deleting the function.");
  }
  std::string arn = QualifiedArn(ref.region, ref.account, ref.name, ref.qualifier);
  if (!IsVersionNumber(ref.qualifier)) {
    return InvalidParam(
        "Deletion of aliases is not supported by DeleteFunction: use DeleteAlias "
        "for " +
        arn);
  }
  int64_t n = std::stoll(ref.qualifier);
  if (next->versions.erase(n) == 0) return FunctionNotFound(arn);
  std::string users;
  for (const auto& [name, alias] : next->aliases) {
    bool uses = Str(alias, "FunctionVersion") == ref.qualifier;
    const Value* rc = Member(alias, "RoutingConfig");
    const Value* w = rc ? Member(*rc, "AdditionalVersionWeights") : nullptr;
    if (w && w->is_object() && w->contains(ref.qualifier)) uses = true;
    if (uses) users += (users.empty() ? "" : ", ") + name;
  }
  if (!users.empty()) {
    return Conflict("Unable to delete version because the following aliases reference it: [" +
                    users + "]");
  }
  next->event_configs.erase(ref.qualifier);
  Status st = Commit(next);
  if (!st.ok()) return ServiceError("cannot delete the version: " + st.message());
  return Value{{"StatusCode", 204}};
}

}  // namespace nimbus::lambda
