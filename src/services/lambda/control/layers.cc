// PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions,
// DeleteLayerVersion.
#include "services/kit/input.h"
#include "services/kit/pagination.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {
namespace {

AwsError NoSuchLayer() { return NotFound("The resource you requested does not exist."); }

// LayerVersionsListItem from a stored version body.
Value ListItem(const Value& body) {
  Value item = Value::object();
  for (const char* key : {"LayerVersionArn", "Version", "Description", "CreatedDate",
                          "CompatibleRuntimes", "LicenseInfo", "CompatibleArchitectures"}) {
    if (const Value* v = Member(body, key)) item[key] = *v;
  }
  return item;
}

bool Matches(const Value& body, const std::string& runtime, const std::string& arch) {
  auto has = [&body](const char* list, const std::string& want) {
    if (want.empty()) return true;
    const Value* l = Member(body, list);
    if (l == nullptr || !l->is_array()) return false;
    for (const Value& v : *l) {
      if (v == want) return true;
    }
    return false;
  };
  return has("CompatibleRuntimes", runtime) && has("CompatibleArchitectures", arch);
}

}  // namespace

OpResult LambdaControl::PublishLayerVersion(const CallContext& call, const Value& in) {
  auto name = ParseLayerName(Str(in, "LayerName"), call.account_id, call.region);
  if (!name.ok()) return name.error();
  if (call.http != nullptr && call.http->body.size() > kMaxRequestBytes) {
    return RequestTooLarge("PublishLayerVersion");
  }
  const Value* content = Member(in, "Content");
  auto zip = content ? Blob(*content, "ZipFile") : std::nullopt;
  if (!zip) {
    return InvalidParam("nimbus does not serve S3: upload the layer content with ZipFile");
  }
  if (zip->size() > kMaxZippedBytes) return RequestTooLarge("PublishLayerVersion");
  Violations viol;
  viol.MaxLength(Str(in, "Description"), 256, "description");
  viol.MaxLength(Str(in, "LicenseInfo"), 512, "licenseInfo");
  if (const Value* r = Member(in, "CompatibleRuntimes"); r && r->is_array() && r->size() > 15) {
    viol.Add(r->dump(), "compatibleRuntimes", "Member must have length less than or equal to 15");
  }
  if (!viol.empty()) return viol.Error();
  auto info = code_.Ingest(*zip);
  if (!info.ok()) return info.error();
  std::string key = Key(call.account_id, call.region, *name);
  std::lock_guard write(write_mu_);
  std::shared_ptr<LayerState> next;
  {
    std::shared_lock lock(state_mu_);
    auto it = layers_.find(key);
    next = it != layers_.end() ? std::make_shared<LayerState>(*it->second)
                               : std::make_shared<LayerState>();
  }
  next->account = call.account_id;
  next->region = call.region;
  next->name = *name;
  int64_t n = next->next_version++;
  std::string layer_arn = LayerArn(call.region, call.account_id, *name);
  Value body = {{"Content", {{"CodeSha256", info->sha256_base64}, {"CodeSize", info->size}}},
                {"LayerArn", layer_arn},
                {"LayerVersionArn", layer_arn + ":" + std::to_string(n)},
                {"Description", Str(in, "Description")},
                {"CreatedDate", NowTimestamp()},
                {"Version", n}};
  for (const char* key2 : {"CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"}) {
    if (const Value* v = Member(in, key2)) body[key2] = *v;
  }
  next->versions[n] = {body, info->hex, info->unzipped_size};
  Status st = CommitLayer(next);
  if (!st.ok()) return ServiceError("cannot store the layer: " + st.message());
  body["Content"]["Location"] = CodeUrl(call, info->hex);
  return body;
}

OpResult LambdaControl::GetLayerVersion(const CallContext& call, const Value& in) {
  auto name = ParseLayerName(Str(in, "LayerName"), call.account_id, call.region);
  if (!name.ok()) return name.error();
  int64_t n = Int(in, "VersionNumber", 0);
  std::shared_ptr<const LayerState> layer;
  {
    std::shared_lock lock(state_mu_);
    auto it = layers_.find(Key(call.account_id, call.region, *name));
    if (it != layers_.end()) layer = it->second;
  }
  if (layer == nullptr) return NoSuchLayer();
  auto v = layer->versions.find(n);
  if (v == layer->versions.end()) return NoSuchLayer();
  Value body = v->second.body;
  body["Content"]["Location"] = CodeUrl(call, v->second.hex);
  return body;
}

OpResult LambdaControl::GetLayerVersionByArn(const CallContext& call, const Value& in) {
  auto ref = ParseLayerVersionArn(Str(in, "Arn"));
  if (!ref.ok()) {
    Violations v;
    v.Add(Str(in, "Arn"), "arn",
          "Member must satisfy regular expression pattern: "
          "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+");
    return v.Error();
  }
  if (ref->region != call.region) return NoSuchLayer();
  if (ref->account != call.account_id) {  // readable when its policy grants the caller
    std::shared_ptr<const LayerState> layer;
    {
      std::shared_lock lock(state_mu_);
      auto it = layers_.find(Key(ref->account, ref->region, ref->name));
      if (it != layers_.end()) layer = it->second;
    }
    const LayerVersionState* v = nullptr;
    if (layer != nullptr) {
      auto it = layer->versions.find(ref->version);
      if (it != layer->versions.end()) v = &it->second;
    }
    if (v == nullptr || !LayerGrants(*v, call.account_id)) return NoSuchLayer();
    Value body = v->body;
    body["Content"]["Location"] = CodeUrl(call, v->hex);
    return body;
  }
  return GetLayerVersion(call, Value{{"LayerName", ref->name}, {"VersionNumber", ref->version}});
}

OpResult LambdaControl::ListLayers(const CallContext& call, const Value& in) {
  std::string runtime = Str(in, "CompatibleRuntime"), arch = Str(in, "CompatibleArchitecture");
  int64_t max = Int(in, "MaxItems", 50);
  Violations viol;
  viol.Range(max, 1, 50, "maxItems");
  if (!viol.empty()) return viol.Error();
  KeyPager page("nimbus/lambda-layers/", Str(in, "Marker"), max);
  if (!page.valid()) return InvalidMarker();
  Value out = {{"Layers", Value::array()}};
  std::shared_lock lock(state_mu_);
  std::string prefix = ScopedKey(ScopeOf(call), "");
  for (auto it = layers_.lower_bound(prefix); it != layers_.end() && it->first.starts_with(prefix);
       ++it) {
    const LayerState& l = *it->second;
    auto v = l.versions.rbegin();  // the newest version that matches
    while (v != l.versions.rend() && !Matches(v->second.body, runtime, arch)) ++v;
    if (v == l.versions.rend()) continue;
    KeyPager::Step step = page.Offer(l.name);
    if (step == KeyPager::kSkip) continue;
    if (step == KeyPager::kFull) break;
    out["Layers"].push_back({{"LayerName", l.name},
                             {"LayerArn", LayerArn(l.region, l.account, l.name)},
                             {"LatestMatchingVersion", ListItem(v->second.body)}});
  }
  if (auto next = page.next_token()) out["NextMarker"] = *next;
  return out;
}

OpResult LambdaControl::ListLayerVersions(const CallContext& call, const Value& in) {
  auto name = ParseLayerName(Str(in, "LayerName"), call.account_id, call.region);
  if (!name.ok()) return name.error();
  std::string runtime = Str(in, "CompatibleRuntime"), arch = Str(in, "CompatibleArchitecture");
  int64_t max = Int(in, "MaxItems", 50);
  Violations viol;
  viol.Range(max, 1, 50, "maxItems");
  if (!viol.empty()) return viol.Error();
  KeyPager page("nimbus/lambda-layer-versions/", Str(in, "Marker"), max);
  if (!page.valid()) return InvalidMarker();
  Value out = {{"LayerVersions", Value::array()}};
  std::shared_lock lock(state_mu_);
  auto it = layers_.find(Key(call.account_id, call.region, *name));
  if (it == layers_.end()) return out;
  for (auto v = it->second->versions.rbegin(); v != it->second->versions.rend(); ++v) {
    if (!Matches(v->second.body, runtime, arch)) continue;
    // Newest first: keys that ascend as versions descend.
    char key[24];
    std::snprintf(key, sizeof(key), "%019lld", static_cast<long long>(INT64_MAX - v->first));
    KeyPager::Step step = page.Offer(key);
    if (step == KeyPager::kSkip) continue;
    if (step == KeyPager::kFull) break;
    out["LayerVersions"].push_back(ListItem(v->second.body));
  }
  if (auto next = page.next_token()) out["NextMarker"] = *next;
  return out;
}

OpResult LambdaControl::DeleteLayerVersion(const CallContext& call, const Value& in) {
  auto name = ParseLayerName(Str(in, "LayerName"), call.account_id, call.region);
  if (!name.ok()) return name.error();
  int64_t n = Int(in, "VersionNumber", 0);
  std::lock_guard write(write_mu_);
  std::shared_ptr<LayerState> next;
  {
    std::shared_lock lock(state_mu_);
    auto it = layers_.find(Key(call.account_id, call.region, *name));
    if (it == layers_.end() || !it->second->versions.count(n)) return Value::object();
    next = std::make_shared<LayerState>(*it->second);
  }
  next->versions.erase(n);  // functions using it keep their copy (LayerUse)
  Status st = CommitLayer(next);
  if (!st.ok()) return ServiceError("cannot delete the layer version: " + st.message());
  return Value::object();
}

}  // namespace nimbus::lambda
