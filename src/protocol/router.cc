#include "protocol/router.h"

namespace nimbus {
namespace {

// Raw (still urlencoded) value of `key` in an urlencoded string; empty when absent.
std::string_view FindParam(std::string_view form, std::string_view key) {
  while (!form.empty()) {
    size_t amp = form.find('&');
    std::string_view part = form.substr(0, amp);
    if (part.size() > key.size() && part.substr(0, key.size()) == key && part[key.size()] == '=') {
      return part.substr(key.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    form.remove_prefix(amp + 1);
  }
  return {};
}

std::string_view FirstSegment(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return path.substr(0, path.find_first_of("/?"));
}

template <typename H>
int Lookup(const std::unordered_map<std::string_view, int, H, std::equal_to<>>& map,
           std::string_view key) {
  if (key.empty()) return -1;
  auto it = map.find(key);
  return it == map.end() ? -1 : it->second;
}

}  // namespace

ServiceRouter::ServiceRouter(std::vector<const ServiceModel*> services) {
  entries_.resize(services.size());
  for (size_t i = 0; i < services.size(); ++i) {
    const ServiceModel* s = services[i];
    if (s == nullptr) continue;
    const ServiceMetadata& md = s->metadata();
    entries_[i] = {md.name, s};
    std::vector<std::string_view> paths, actions;
    if (md.protocol == "rest-json") {
      for (const auto& op : s->operations()) {
        const auto& segs = op->path_segments();
        if (!segs.empty() && segs[0].kind == UriSegment::kLiteral) paths.push_back(segs[0].text);
      }
    } else if (md.protocol == "query") {
      for (const auto& op : s->operations()) actions.push_back(op->name());
    }
    Add(static_cast<int>(i), ServiceRouting{md.name, md.protocol, md.api_version,
                                            md.target_prefix, md.signing_name,
                                            md.endpoint_prefix, md.service_id, paths, actions, {}});
  }
}

ServiceRouter::ServiceRouter(std::vector<const ServiceRouting*> services) {
  entries_.resize(services.size());
  for (size_t i = 0; i < services.size(); ++i) {
    if (services[i] == nullptr) continue;
    entries_[i].name = services[i]->name;
    Add(static_cast<int>(i), *services[i]);
  }
}

void ServiceRouter::Add(int index, const ServiceRouting& r) {
  if (!r.target_prefix.empty()) by_target_.emplace(r.target_prefix, index);
  for (std::string_view n : {r.signing_name, r.endpoint_prefix, r.name}) {
    if (!n.empty()) by_scope_.emplace(n, index);
  }
  if (r.protocol == "rest-json") {
    for (std::string_view p : r.path_prefixes) by_path_prefix_.emplace(p, index);
  } else if (r.protocol == "query") {
    by_version_.emplace(r.api_version, index);
    for (std::string_view a : r.actions) by_action_.emplace(a, index);
  }
}

int ServiceRouter::RouteIndex(const HttpRequest& req, std::string_view scope_service) const {
  std::string_view target = req.headers.Get("X-Amz-Target");
  if (!target.empty()) {
    if (int s = Lookup(by_target_, target.substr(0, target.rfind('.'))); s >= 0) return s;
  }
  if (int s = Lookup(by_scope_, scope_service); s >= 0) return s;
  std::string_view path = req.path.empty() ? std::string_view(req.target) : req.path;
  if (int s = Lookup(by_path_prefix_, FirstSegment(path)); s >= 0) return s;
  std::string_view query = req.query;
  if (query.empty() && req.path.empty()) {
    size_t q = req.target.find('?');
    if (q != std::string::npos) query = std::string_view(req.target).substr(q + 1);
  }
  for (std::string_view form : {std::string_view(req.body), query}) {
    std::string_view action = FindParam(form, "Action");
    if (action.empty()) continue;
    std::string_view version = FindParam(form, "Version");
    if (int s = Lookup(by_version_, version); s >= 0) return s;
    if (int s = Lookup(by_action_, action); s >= 0) return s;
  }
  return -1;
}

const ServiceModel* ServiceRouter::Route(const HttpRequest& req,
                                         std::string_view scope_service) const {
  int i = RouteIndex(req, scope_service);
  if (i < 0) return nullptr;
  const Entry& e = entries_[static_cast<size_t>(i)];
  return e.model != nullptr ? e.model : FindServiceModel(e.name);
}

}  // namespace nimbus
