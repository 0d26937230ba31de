// What ECR publishes for the services that run its images (ECS tasks, Lambda container-image
// functions, through image/image_cache.h): read access to the images of nimbus's own registry.
// ECR's factory fills ServiceLinks::ecr_images with one ImageReader over its store.
//
// Errors are values. NotFound messages are containerd's texts, so that a caller can put them
// after "CannotPullContainerError: pull image manifest has been retried N time(s): failed to
// resolve ref <image>: " as AWS reports a pull failure:
//   - no such repository:     "<repo>:<tag or digest>: not found"  (AWS: the registry's 404)
//   - no such tag:            "<repo>:<tag>: not found"
//   - no such digest:         "<repo>@<digest>: manifest unknown"
//   - no image for the host:  "<repo>:<ref>: no match for platform in manifest: not found"
// InvalidArgument for a malformed repository name or reference; Corruption when a stored
// manifest or blob no longer parses or hashes; Internal for store failures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "services/kit/scope.h"

namespace nimbus::ecr {

// The platform an index entry is chosen for. nimbus runs images on its host: linux/amd64 here.
struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";  // GOARCH names: amd64, arm64, ...
  std::string variant;                 // e.g. "v8" for arm64; empty matches any
};

// The host's platform (linux and the GOARCH of the CPU nimbus was built for).
inline Platform HostPlatform() {
#if defined(__aarch64__)
  return Platform{"linux", "arm64", "v8"};
#else
  return Platform{"linux", "amd64", ""};
#endif
}

// A blob an image manifest refers to.
struct LayerDescriptor {
  std::string media_type;  // e.g. application/vnd.oci.image.layer.v1.tar+gzip
  std::string digest;      // "sha256:<hex>" of the stored (compressed) bytes
  int64_t size = 0;        // bytes of the stored blob
};

// One image resolved for a platform: what a runtime needs to unpack and run it.
struct ResolvedImage {
  // What the reference names (the digest of the tag's manifest or index): the container's
  // imageDigest on AWS, and what a pinned deployment records.
  std::string digest;
  // The image manifest chosen: equal to `digest` unless the reference names an index, whose
  // entry for the platform it then is.
  std::string manifest_digest;
  std::string manifest_media_type;
  std::string manifest;  // raw bytes of that image manifest
  std::string config_digest;
  std::string config;                   // raw bytes of the image config blob (JSON)
  std::vector<LayerDescriptor> layers;  // bottom (base) layer first
};

// A tag and what it points to now (issue 20's `nimbus ecs drift`: has the tag moved since the
// task resolved it?).
struct TagState {
  std::string digest;        // the manifest or index the tag names now
  int64_t pushed_at_ms = 0;  // when that image was pushed (epoch ms)
};

// Read-only view of nimbus's registry. Thread-safe; every method blocks on SQLite and the file
// system (call them off the event loops). Owned through shared_ptr by the links; valid while
// the ECR provider lives.
class ImageReader {
 public:
  virtual ~ImageReader() = default;

  // Resolves `reference` (a tag or "sha256:<hex>") in repository `repo` of `scope` and reads
  // the manifest and config for `platform` (an index's first matching entry). Does not count as
  // a pull (ECR's lastRecordedPullTime is kept for client pulls).
  virtual Result<ResolvedImage> Resolve(const Scope& scope, const std::string& repo,
                                        const std::string& reference,
                                        const Platform& platform = HostPlatform()) = 0;

  // Only the digest `reference` names now (ECS digest pinning), without reading blobs.
  virtual Result<std::string> ResolveDigest(const Scope& scope, const std::string& repo,
                                            const std::string& reference) = 0;

  // The tag's current digest and when it was pushed. NotFound as Resolve.
  virtual Result<TagState> Tag(const Scope& scope, const std::string& repo,
                               const std::string& tag) = 0;

  // The host path of a blob (layer or config) linked into `repo`: a committed, immutable file
  // the caller may open and read (never write) while the image exists. NotFound
  // "<repo>@<digest>: blob unknown" when the repository has no such blob.
  virtual Result<std::string> BlobPath(const Scope& scope, const std::string& repo,
                                       const std::string& digest) = 0;
};

}  // namespace nimbus::ecr
