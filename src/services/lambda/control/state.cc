#include "services/lambda/control/state.h"

#include <chrono>

#include "core/clock.h"

namespace nimbus::lambda {
namespace {

Value VersionToJson(const VersionState& v) {
  Value layers = Value::array();
  for (const LayerUse& l : v.layers) {
    layers.push_back({{"arn", l.arn}, {"hex", l.hex}, {"size", l.size}, {"unzipped", l.unzipped}});
  }
  Value j = {{"config", v.config},
             {"code_hex", v.code_hex},
             {"code_unzipped", v.code_unzipped},
             {"layers", layers}};
  if (!v.image_uri.empty()) {
    j["image_uri"] = v.image_uri;
    j["resolved_image_uri"] = v.resolved_image_uri;
    j["pinned_image_uri"] = v.pinned_image_uri;
  }
  return j;
}

std::string Str(const Value& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t Int(const Value& j, const char* key, int64_t def = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : def;
}

bool VersionFromJson(const Value& j, VersionState& v) {
  if (!j.is_object()) return false;
  auto config = j.find("config");
  if (config == j.end() || !config->is_object()) return false;
  v.config = *config;
  v.code_hex = Str(j, "code_hex");
  v.code_unzipped = static_cast<uint64_t>(Int(j, "code_unzipped"));
  v.image_uri = Str(j, "image_uri");
  v.resolved_image_uri = Str(j, "resolved_image_uri");
  v.pinned_image_uri = Str(j, "pinned_image_uri");
  auto layers = j.find("layers");
  if (layers != j.end() && layers->is_array()) {
    for (const Value& l : *layers) {
      if (!l.is_object()) continue;
      v.layers.push_back({Str(l, "arn"), Str(l, "hex"), Int(l, "size"),
                          static_cast<uint64_t>(Int(l, "unzipped"))});
    }
  }
  return true;
}

}  // namespace

Value ToJson(const FunctionState& f) {
  Value versions = Value::object();
  for (const auto& [n, v] : f.versions) versions[std::to_string(n)] = VersionToJson(v);
  Value j = {{"account", f.account},
             {"region", f.region},
             {"name", f.name},
             {"latest", VersionToJson(f.latest)},
             {"versions", versions},
             {"aliases", f.aliases},
             {"event_configs", f.event_configs},
             {"url_configs", f.url_configs},
             {"tags", f.tags},
             {"next_version", f.next_version}};
  if (f.reserved_concurrency) j["reserved_concurrency"] = *f.reserved_concurrency;
  return j;
}

bool FromJson(const Value& j, FunctionState& f) {
  if (!j.is_object()) return false;
  f.account = Str(j, "account");
  f.region = Str(j, "region");
  f.name = Str(j, "name");
  auto latest = j.find("latest");
  if (latest == j.end() || !VersionFromJson(*latest, f.latest)) return false;
  auto versions = j.find("versions");
  if (versions != j.end() && versions->is_object()) {
    for (auto it = versions->begin(); it != versions->end(); ++it) {
      VersionState v;
      char* end = nullptr;
      long long n = std::strtoll(it.key().c_str(), &end, 10);
      if (n > 0 && *end == '\0' && VersionFromJson(*it, v)) f.versions[n] = std::move(v);
    }
  }
  for (auto [key, dest] : {std::pair{"aliases", &f.aliases},
                           {"event_configs", &f.event_configs},
                           {"url_configs", &f.url_configs}}) {
    auto m = j.find(key);
    if (m == j.end() || !m->is_object()) continue;
    for (auto it = m->begin(); it != m->end(); ++it) {
      if (it->is_object()) (*dest)[it.key()] = *it;
    }
  }
  auto tags = j.find("tags");
  if (tags != j.end() && tags->is_object()) f.tags = *tags;
  f.next_version = Int(j, "next_version", 1);
  auto rc = j.find("reserved_concurrency");
  if (rc != j.end() && rc->is_number_integer()) f.reserved_concurrency = rc->get<int>();
  return !f.name.empty();
}

Value ToJson(const LayerState& l) {
  Value versions = Value::object();
  for (const auto& [n, v] : l.versions) {
    versions[std::to_string(n)] = {{"body", v.body}, {"hex", v.hex}, {"unzipped", v.unzipped}};
    if (!v.statements.empty()) {
      versions[std::to_string(n)]["statements"] = v.statements;
      versions[std::to_string(n)]["policy_revision"] = v.policy_revision;
    }
  }
  return {{"account", l.account},
          {"region", l.region},
          {"name", l.name},
          {"versions", versions},
          {"next_version", l.next_version}};
}

bool FromJson(const Value& j, LayerState& l) {
  if (!j.is_object()) return false;
  l.account = Str(j, "account");
  l.region = Str(j, "region");
  l.name = Str(j, "name");
  l.next_version = Int(j, "next_version", 1);
  auto versions = j.find("versions");
  if (versions != j.end() && versions->is_object()) {
    for (auto it = versions->begin(); it != versions->end(); ++it) {
      char* end = nullptr;
      long long n = std::strtoll(it.key().c_str(), &end, 10);
      if (n <= 0 || *end != '\0' || !it->is_object()) continue;
      auto body = it->find("body");
      if (body == it->end() || !body->is_object()) continue;
      LayerVersionState& v = l.versions[n];
      v = {*body, Str(*it, "hex"), static_cast<uint64_t>(Int(*it, "unzipped"))};
      auto statements = it->find("statements");
      if (statements != it->end() && statements->is_array()) v.statements = *statements;
      v.policy_revision = Str(*it, "policy_revision");
    }
  }
  return !l.name.empty();
}

std::string LambdaTimestamp(int64_t epoch_ms) {
  std::string s = FormatIso8601(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms)), true);
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return s + "+0000";
}

}  // namespace nimbus::lambda
