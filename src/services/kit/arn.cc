#include "services/kit/arn.h"

namespace nimbus {

std::string MakeArn(std::string_view service, const Scope& scope, std::string_view resource) {
  std::string arn = "arn:aws:";
  arn.reserve(arn.size() + service.size() + scope.region.size() + scope.account.size() +
              resource.size() + 3);
  arn.append(service).push_back(':');
  arn.append(scope.region).push_back(':');
  arn.append(scope.account).push_back(':');
  arn.append(resource);
  return arn;
}

std::optional<Arn> ParseArn(std::string_view text) {
  if (!text.starts_with("arn:")) return std::nullopt;
  std::string_view rest = text.substr(4);
  std::string_view fields[4];
  for (std::string_view& f : fields) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    f = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (fields[0].empty() || fields[1].empty() || rest.empty()) return std::nullopt;
  return Arn{std::string(fields[0]), std::string(fields[1]),
             Scope{std::string(fields[3]), std::string(fields[2])}, std::string(rest)};
}

}  // namespace nimbus
