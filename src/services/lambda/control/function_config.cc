// ApplyConfig: validates the configuration members of CreateFunction /
// UpdateFunctionConfiguration and applies them to a FunctionConfiguration value.
#include "services/kit/input.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"
#include "services/lambda/control/validation.h"

namespace nimbus::lambda {
namespace {

void SetOrErase(Value& c, const char* key, const std::string& value) {
  if (value.empty()) {
    c.erase(key);
  } else {
    c[key] = value;
  }
}

// ImageConfig (EntryPoint, Command, WorkingDirectory: what overrides the image's ENTRYPOINT,
// CMD and WORKDIR) into c's ImageConfigResponse, replacing what was there; the model's limits.
std::optional<AwsError> ApplyImageConfig(const Value& in, Value& c) {
  if (!in.is_object()) return ValidationError("ImageConfig must be a structure");
  Value out = Value::object();
  Violations viol;
  for (const char* key : {"EntryPoint", "Command"}) {
    const Value* list = Member(in, key);
    if (list == nullptr) continue;
    bool strings = list->is_array();
    for (const Value& item : strings ? *list : Value::array())
      strings = strings && item.is_string();
    if (!strings)
      return ValidationError(std::string("ImageConfig.") + key + " must be a list of strings");
    if (list->size() > 1500) {
      std::string field = std::string("imageConfig.") + (key[0] == 'E' ? "entryPoint" : "command");
      viol.Add("[...]", field, "Member must have length less than or equal to 1500");
    }
    if (!list->empty()) out[key] = *list;
  }
  if (auto wd = OptStr(in, "WorkingDirectory")) {
    viol.MaxLength(*wd, 1000, "imageConfig.workingDirectory");
    if (!wd->empty()) out["WorkingDirectory"] = *wd;
  }
  if (!viol.empty()) return viol.Error();
  if (out.empty()) {
    c.erase("ImageConfigResponse");
  } else {
    c["ImageConfigResponse"] = {{"ImageConfig", std::move(out)}};
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<LayerUse>, AwsError> LambdaControl::ResolveLayers(const CallContext& call,
                                                                     const Value& arns) const {
  std::vector<LayerUse> uses;
  if (!arns.is_array()) return ValidationError("Layers must be a list");
  if (arns.size() > 5) return InvalidParam("Cannot reference more than 5 layers.");
  std::vector<std::string> names;
  for (const Value& a : arns) {
    std::string arn = a.is_string() ? a.get<std::string>() : "";
    auto ref = ParseLayerVersionArn(arn);
    if (!ref.ok()) {
      Violations v;
      v.Add(arn, "layers",
            "Member must satisfy constraint: [Member must satisfy regular expression pattern: "
            "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]");
      return v.Error();
    }
    std::string layer_key = Key(ref->account, ref->region, ref->name);
    for (const std::string& n : names) {
      if (n == layer_key) {
        return InvalidParam(
            "Two different versions of the same layer are not allowed to be "
            "referenced in the same function. " +
            arn);
      }
    }
    names.push_back(layer_key);
    std::shared_ptr<const LayerState> layer;
    {
      std::shared_lock lock(state_mu_);
      auto it = layers_.find(layer_key);
      if (it != layers_.end()) layer = it->second;
    }
    const LayerVersionState* lv = nullptr;
    if (layer) {
      auto it = layer->versions.find(ref->version);
      if (it != layer->versions.end()) lv = &it->second;
    }
    // Another account's layer version needs a permission on it granting the caller
    // (AddLayerVersionPermission); without one it is refused, as on AWS, whether it exists or not.
    if (ref->account != call.account_id && (lv == nullptr || !LayerGrants(*lv, call.account_id))) {
      return NotAuthorized(call, "lambda:GetLayerVersion", arn);
    }
    if (lv == nullptr) return InvalidParam("Layer version " + arn + " does not exist.");
    int64_t size = 0;
    if (const Value* content = Member(lv->body, "Content")) size = Int(*content, "CodeSize");
    uses.push_back({arn, lv->hex, size, lv->unzipped});
  }
  return uses;
}

std::optional<AwsError> LambdaControl::ApplyConfig(const CallContext& call, const Value& in,
                                                   bool creating, FunctionState& f,
                                                   VersionState& v) const {
  Value& c = v.config;
  Violations viol;
  const bool image = Str(c, "PackageType", "Zip") == "Image";
  if (image && (Member(in, "Runtime") || Member(in, "Handler") || Member(in, "Layers"))) {
    return InvalidParam(
        "Please don't provide Handler or Runtime or Layer when the intended function PackageType "
        "is Image.");
  }
  if (const Value* ic = Member(in, "ImageConfig")) {
    if (!image)
      return InvalidParam("ImageConfig is supported only for functions with PackageType Image.");
    if (auto e = ApplyImageConfig(*ic, c)) return e;
  }
  if (auto rt = OptStr(in, "Runtime")) {
    if (auto e = CheckRuntime(*rt)) return e;
    c["Runtime"] = *rt;
  }
  if (auto h = OptStr(in, "Handler")) {
    viol.MaxLength(*h, 128, "handler");
    if (h->empty() || h->find_first_of(" \t\r\n") != std::string::npos) {
      viol.Add(*h, "handler", "Member must satisfy regular expression pattern: [^\\s]+");
    }
    c["Handler"] = *h;
  }
  if (auto role = OptStr(in, "Role")) {
    if (auto e = CheckRole(*role)) return e;
    c["Role"] = *role;
  }
  if (auto d = OptStr(in, "Description")) {
    viol.MaxLength(*d, 256, "description");
    c["Description"] = *d;
  }
  if (auto t = OptInt(in, "Timeout")) {
    viol.Range(*t, 1, 900, "timeout");
    c["Timeout"] = *t;
  }
  if (auto m = OptInt(in, "MemorySize")) {
    viol.Range(*m, 128, 10240, "memorySize");
    c["MemorySize"] = *m;
  }
  if (const Value* es = Member(in, "EphemeralStorage")) {
    int64_t size = Int(*es, "Size", 512);
    viol.Range(size, 512, 10240, "ephemeralStorage.size");
    c["EphemeralStorage"] = {{"Size", size}};
  }
  if (!viol.empty()) return viol.Error();
  if (const Value* arch = Member(in, "Architectures")) {
    if (auto e = CheckArchitectures(*arch)) return e;
    c["Architectures"] = *arch;
  }
  if (const Value* env = Member(in, "Environment")) {
    const Value* vars = Member(*env, "Variables");
    Value empty = Value::object();
    if (vars == nullptr) vars = &empty;
    if (auto e = CheckEnvironment(*vars)) return e;
    c["Environment"] = {{"Variables", *vars}};
    if (vars->empty() && !creating) c.erase("Environment");
  }
  if (const Value* tc = Member(in, "TracingConfig")) {
    std::string mode = Str(*tc, "Mode", "PassThrough");
    if (mode != "Active" && mode != "PassThrough") {
      viol.Add(mode, "tracingConfig.mode",
               "Member must satisfy enum value set: [Active, PassThrough]");
      return viol.Error();
    }
    c["TracingConfig"] = {{"Mode", mode}};
  }
  if (const Value* dlq = Member(in, "DeadLetterConfig")) {
    std::string target = Str(*dlq, "TargetArn");
    if (target.empty()) {
      c.erase("DeadLetterConfig");
    } else {
      c["DeadLetterConfig"] = {{"TargetArn", target}};
    }
  }
  if (auto kms = OptStr(in, "KMSKeyArn")) SetOrErase(c, "KMSKeyArn", *kms);
  if (const Value* vpc = Member(in, "VpcConfig")) {
    Value out = {{"SubnetIds", Value::array()}, {"SecurityGroupIds", Value::array()}};
    if (const Value* s = Member(*vpc, "SubnetIds"); s && s->is_array()) out["SubnetIds"] = *s;
    if (const Value* g = Member(*vpc, "SecurityGroupIds"); g && g->is_array()) {
      out["SecurityGroupIds"] = *g;
    }
    out["VpcId"] = out["SubnetIds"].empty() ? "" : "vpc-00000000000000000";
    c["VpcConfig"] = out;
  }
  if (const Value* lc = Member(in, "LoggingConfig"); lc && lc->is_object()) {
    Value& out = c["LoggingConfig"];
    if (!out.is_object()) out = Value::object();
    for (auto it = lc->begin(); it != lc->end(); ++it) out[it.key()] = *it;
    std::string format = Str(out, "LogFormat", "Text");
    if (format != "Text" && format != "JSON") {
      viol.Add(format, "loggingConfig.logFormat",
               "Member must satisfy enum value set: [JSON, Text]");
      return viol.Error();
    }
    if (Str(out, "LogGroup").empty()) out["LogGroup"] = "/aws/lambda/" + f.name;
  }
  if (const Value* ss = Member(in, "SnapStart")) {
    c["SnapStart"] = {{"ApplyOn", Str(*ss, "ApplyOn", "None")}, {"OptimizationStatus", "Off"}};
  }
  if (const Value* fs = Member(in, "FileSystemConfigs"); fs && fs->is_array()) {
    if (fs->empty()) {
      c.erase("FileSystemConfigs");
    } else {
      c["FileSystemConfigs"] = *fs;
    }
  }
  if (const Value* layers = Member(in, "Layers")) {
    auto uses = ResolveLayers(call, *layers);
    if (!uses.ok()) return uses.error();
    v.layers = std::move(*uses);
    Value out = Value::array();
    for (const LayerUse& l : v.layers) out.push_back({{"Arn", l.arn}, {"CodeSize", l.size}});
    if (out.empty()) {
      c.erase("Layers");
    } else {
      c["Layers"] = out;
    }
  }
  if (Str(c, "PackageType", "Zip") == "Zip" && (!c.contains("Runtime") || !c.contains("Handler"))) {
    return InvalidParam(
        "Runtime and Handler are mandatory parameters for functions created with "
        "deployment packages.");
  }
  uint64_t total = v.code_unzipped;
  for (const LayerUse& l : v.layers) total += l.unzipped;
  if (total > kMaxUnzippedBytes) {
    return InvalidParam("Function code combined with layers exceeds the maximum allowed size of " +
                        std::to_string(kMaxUnzippedBytes) + " bytes. The actual size is " +
                        std::to_string(total) + " bytes.");
  }
  return std::nullopt;
}

}  // namespace nimbus::lambda
