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

template <typename M>
const ServiceModel* Lookup(const M& map, std::string_view key) {
  if (key.empty()) return nullptr;
  auto it = map.find(key);
  return it == map.end() ? nullptr : it->second;
}

}  // namespace

ServiceRouter::ServiceRouter(std::vector<const ServiceModel*> services) {
  for (const ServiceModel* s : services) {
    if (s == nullptr) continue;
    const ServiceMetadata& md = s->metadata();
    if (!md.target_prefix.empty()) by_target_.emplace(md.target_prefix, s);
    for (const std::string* n : {&md.signing_name, &md.endpoint_prefix, &md.name}) {
      if (!n->empty()) by_scope_.emplace(*n, s);
    }
    if (md.protocol == "rest-json") {
      for (const auto& op : s->operations()) {
        const auto& segs = op->path_segments();
        if (!segs.empty() && segs[0].kind == UriSegment::kLiteral) {
          by_path_prefix_.emplace(segs[0].text, s);
        }
      }
    } else if (md.protocol == "query") {
      by_version_.emplace(md.api_version, s);
      for (const auto& op : s->operations()) by_action_.emplace(op->name(), s);
    }
  }
}

const ServiceModel* ServiceRouter::Route(const HttpRequest& req,
                                         std::string_view scope_service) const {
  std::string_view target = req.headers.Get("X-Amz-Target");
  if (!target.empty()) {
    if (auto* s = Lookup(by_target_, target.substr(0, target.rfind('.')))) return s;
  }
  if (auto* s = Lookup(by_scope_, scope_service)) return s;
  std::string_view path = req.path.empty() ? std::string_view(req.target) : req.path;
  if (auto* s = Lookup(by_path_prefix_, FirstSegment(path))) return s;
  std::string_view query = req.query;
  if (query.empty() && req.path.empty()) {
    size_t q = req.target.find('?');
    if (q != std::string::npos) query = std::string_view(req.target).substr(q + 1);
  }
  for (std::string_view form : {std::string_view(req.body), query}) {
    std::string_view action = FindParam(form, "Action");
    if (action.empty()) continue;
    std::string_view version = FindParam(form, "Version");
    if (auto* s = Lookup(by_version_, version)) return s;
    if (auto* s = Lookup(by_action_, action)) return s;
  }
  return nullptr;
}

}  // namespace nimbus
