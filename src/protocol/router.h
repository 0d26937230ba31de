// Decides which embedded service an incoming request addresses. Immutable after construction;
// Route/RouteIndex are thread-safe and allocation-free on the common paths.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/http.h"
#include "protocol/model.h"
#include "protocol/service_routing.h"

namespace nimbus {

class ServiceRouter {
 public:
  // `services` must outlive the router (embedded models live forever). Nulls are ignored.
  explicit ServiceRouter(std::vector<const ServiceModel*> services);
  // From routing indexes (FindServiceRouting), parsing no model; `services` must outlive the
  // router (embedded indexes are static). Nulls are ignored.
  explicit ServiceRouter(std::vector<const ServiceRouting*> services);

  // Position in the constructor's `services` of the service a request addresses; -1 = none.
  // scope_service = SigV4 credential-scope service ("" if unsigned). Order: X-Amz-Target
  // prefix, scope service (signing name, endpoint prefix or model name), rest-json path prefix,
  // query `Action`/`Version`; on a key two services share, the earlier service wins.
  int RouteIndex(const HttpRequest& req, std::string_view scope_service) const;
  // The model of RouteIndex's service (for a router built from routing indexes, the embedded
  // model, parsed on first use by FindServiceModel). nullptr = none.
  const ServiceModel* Route(const HttpRequest& req, std::string_view scope_service) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // Keys view the models' or the routing indexes' strings, which outlive the router.
  using Map = std::unordered_map<std::string_view, int, Hash, std::equal_to<>>;
  struct Entry {
    std::string_view name;               // model name
    const ServiceModel* model = nullptr;  // when built from models
  };
  void Add(int index, const ServiceRouting& routing);

  std::vector<Entry> entries_;  // by constructor position
  Map by_target_;       // targetPrefix
  Map by_scope_;        // signing name, endpoint prefix, model name
  Map by_path_prefix_;  // first literal path segment of rest-json requestUris
  Map by_version_;      // query api_version
  Map by_action_;       // query operation names (when Version is absent)
};

}  // namespace nimbus
