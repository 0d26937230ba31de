// Decides which embedded service an incoming request addresses. Immutable after construction;
// Route is thread-safe and allocation-free on the common paths.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/http.h"
#include "protocol/model.h"

namespace nimbus {

class ServiceRouter {
 public:
  // `services` must outlive the router (embedded models live forever). Nulls are ignored.
  explicit ServiceRouter(std::vector<const ServiceModel*> services);

  // Which service a request addresses. scope_service = SigV4 credential-scope service ("" if
  // unsigned). Order: X-Amz-Target prefix, scope service (signing name, endpoint prefix or model
  // name), rest-json path prefix, query `Action`/`Version`. nullptr = none.
  const ServiceModel* Route(const HttpRequest& req, std::string_view scope_service) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, const ServiceModel*, Hash, std::equal_to<>>;
  Map by_target_;       // targetPrefix
  Map by_scope_;        // signing name, endpoint prefix, model name
  Map by_path_prefix_;  // first literal path segment of rest-json requestUris
  Map by_version_;      // query api_version
  Map by_action_;       // query operation names (when Version is absent)
};

}  // namespace nimbus
