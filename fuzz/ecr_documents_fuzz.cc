// libFuzzer target: what a registry client or an ECR API caller sends as documents — pushed
// manifests (with the request's Content-Type), lifecycle policies (then evaluated over a few
// images) and /v2/ request paths. The first byte picks the parser. Must never crash or hang.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "services/ecr/lifecycle.h"
#include "services/ecr/manifest.h"
#include "services/ecr/names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  static constexpr std::string_view kContentTypes[] = {"",
                                                       nimbus::ecr::kOciManifest,
                                                       nimbus::ecr::kOciIndex,
                                                       nimbus::ecr::kDockerManifest,
                                                       nimbus::ecr::kDockerList,
                                                       "application/json; charset=utf-8"};
  switch (data[0] % 3) {
    case 0: {
      std::string_view type = kContentTypes[(data[0] / 3) % std::size(kContentTypes)];
      (void)nimbus::ecr::BareMediaType(input);
      (void)nimbus::ecr::ParseManifest(input, type);
      break;
    }
    case 1: {
      auto policy = nimbus::ecr::ParseLifecyclePolicy(input);
      if (!policy.ok()) break;
      std::vector<nimbus::ecr::LifecycleImage> images = {
          {"sha256:" + std::string(64, 'a'), {"prod-1", "v1.2"}, 1'000},
          {"sha256:" + std::string(64, 'b'), {}, 90'000'000},
          {"sha256:" + std::string(64, 'c'), {"latest"}, 2'000'000'000'000}};
      (void)nimbus::ecr::EvaluateLifecycle(*policy, images, 2'000'000'000'000);
      break;
    }
    default: {
      auto path = nimbus::ecr::ParseV2Path(input);
      if (path) {
        (void)nimbus::ecr::ValidRepoName(path->name);
        (void)nimbus::ecr::ValidTag(path->ref);
        if (nimbus::ecr::ValidDigest(path->ref)) (void)nimbus::ecr::DigestHex(path->ref);
      }
      (void)nimbus::ecr::WildcardMatch(input.substr(0, input.size() / 2),
                                       input.substr(input.size() / 2));
    }
  }
  return 0;
}
