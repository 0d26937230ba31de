// Where an ECS container's image comes from: resolved and unpacked by an ImageSource (the ECR
// image cache of src/image implements it) into layer directories an overlayfs root is made of.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"
#include "services/kit/scope.h"

namespace nimbus::ecs {

// What a container needs of its image's config (OCI image config "config" object).
struct ContainerImageConfig {
  std::vector<std::string> entrypoint, cmd, env;  // env as "NAME=value"
  std::string working_dir, user, stop_signal;     // "" when the image sets none
};

struct PreparedImage {
  std::string digest;  // the manifest's, "sha256:..." (Container.imageDigest)
  ContainerImageConfig config;
  std::vector<std::string> layers;  // unpacked layer directories, base first; at least one
};

// Thread-safe; Prepare may block (pulls, unpacks) and is called from the runtime's threads.
class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // Resolves `image` (a task definition's `image`: nimbus or ECR repository URI with a tag or
  // digest, or another registry's reference) in `scope` and unpacks its layers with files owned
  // by their image owner + `id_offset`. NotFound when the repository, tag or digest does not
  // exist; another error when it cannot be fetched or unpacked. The message is shown after
  // "CannotPullContainerError: ".
  virtual Result<PreparedImage> Prepare(const Scope& scope, const std::string& image,
                                        uid_t id_offset) = 0;
};

}  // namespace nimbus::ecs
