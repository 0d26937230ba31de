// What Lambda needs of a registry to run container-image functions (PackageType Image): an
// ImageUri resolved to a digest at CreateFunction / UpdateFunctionCode time, and the image's
// unpacked root and run configuration at a cold start. lambda_provider.cc implements it over
// ECR's image cache (image/image_cache.h); tests fake it.
//
// Threading: implementations are thread-safe; both methods block (SQLite, the file system,
// unpacking layers on a first Prepare).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace nimbus::lambda {

// An ImageUri as it resolves now.
struct ResolvedFunctionImage {
  std::string repository_uri;  // "<registry>/<repository>", as the URI wrote them
  std::string digest;          // "sha256:<hex>" the tag (or digest) names
  // "<account>.dkr.ecr.<region>.amazonaws.com/<repository>@<digest>": what Prepare runs, the
  // same whatever address nimbus serves on later.
  std::string pinned_uri;
  // The digest names an image index (a multi-platform image), which Lambda does not run.
  bool is_index = false;
};

// An image ready to run: its layers and the config's run settings.
struct FunctionImageRoot {
  std::vector<std::string> layers;                // unpacked layer directories, bottom first
  std::vector<std::string> entrypoint, cmd, env;  // the image config's (env "NAME=value")
  std::string working_dir;                        // "" means "/"
  std::string architecture;                       // GOARCH: "amd64", "arm64"
};

class FunctionImageSource {
 public:
  virtual ~FunctionImageSource() = default;

  // Resolves `uri` (a nimbus repositoryUri or an ECR URI with a tag or digest) in `account`
  // and `region`'s registry. Errors: InvalidArgument when `uri` is not an image of nimbus's
  // registry (message says why); PermissionDenied when it is another account's; NotFound when
  // the repository, tag or digest does not exist; others for store failures.
  virtual Result<ResolvedFunctionImage> Resolve(const std::string& account,
                                                const std::string& region,
                                                const std::string& uri) = 0;

  // The root of `uri` (normally a ResolvedFunctionImage's pinned_uri), layer files owned by their image
  // owner + `id_offset`. Errors as Resolve; Corruption / Internal when a layer cannot be
  // unpacked.
  virtual Result<FunctionImageRoot> Prepare(const std::string& account, const std::string& region,
                                            const std::string& uri, uid_t id_offset) = 0;
};

}  // namespace nimbus::lambda
