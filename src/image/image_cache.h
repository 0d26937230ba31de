// The image cache: turns what a task definition or a Lambda ImageUri says into a root file
// system a sandbox can run (sandbox::ImageRootFs::layers), for ECS tasks and Lambda
// container-image functions. Reached through ServiceLinks::images (ECR builds and publishes it;
// null when ECR is not built).
//
// Images come from nimbus's own registry (ecr::ImageReader, no copy: layers are read from the
// registry's blob files) or from another registry through nimbus's OCI client (https, or plain
// http to loopback registries; blobs verified by
// digest and kept under the cache, so a second Prepare is offline; one progress line per pull in
// nimbus's log). Layers unpack once into a content-addressed tree keyed by diff id and id offset:
//   <root>/layers/<diff-id hex>-<id offset>/   one overlayfs lower dir per layer (whiteouts as
//                                              overlayfs's char 0/0 and trusted.overlay.opaque)
//   <root>/blobs/sha256/..                     blobs pulled from other registries
//   <root>/tmp/                                unpacks in progress (emptied at Open)
// A layer is unpacked into tmp/, its diff id (the sha256 of the uncompressed tar) checked
// against the config's rootfs.diff_ids, then renamed into place; concurrent Prepares of one
// layer wait for a single unpack. Entries are never removed while nimbus runs.
//
// Thread-safe. Prepare and ResolveDigest block (SQLite, file system, network, unpacking): call
// them off the event loops, e.g. on a thread pool.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "image/image_config.h"
#include "image/image_ref.h"
#include "services/kit/scope.h"

namespace nimbus::ecr {
class ImageReader;
}

namespace nimbus::image {

// When a tag of another registry is looked up again (the ECS agent's ECS_IMAGE_PULL_BEHAVIOR;
// nimbus's own registry is always asked: it is local).
enum class PullBehavior {
  kPreferCached,  // "prefer-cached" and "once": the cached image when there is one (offline)
  kDefault,       // "default": ask the registry each time; if that fails, the cached image
  kAlways,        // "always": ask the registry each time; if that fails, fail
};

// "prefer-cached", "once", "default" or "always"; InvalidArgument otherwise.
Result<PullBehavior> ParsePullBehavior(std::string_view name);

struct ImageCacheOptions {
  std::string root;  // cache directory (created 0700), e.g. <data_dir>/images
  // nimbus's registry; null: references to it fail NotFound.
  std::shared_ptr<ecr::ImageReader> registry;
  // host[:port] names of nimbus's registry (see ParseImageRef).
  std::vector<std::string> nimbus_hosts;
  // host[:port] of registries spoken to over plain http; only loopback hosts are honoured
  // (anything else is refused: tests and local mirrors only). Others: https.
  std::vector<std::string> plain_http_registries;
  // PEM bundle https pulls trust; empty: the system's store (OpenSSL's default paths, which
  // honour SSL_CERT_FILE).
  std::string tls_ca_file;
  PullBehavior pull_behavior = PullBehavior::kPreferCached;
  // Receives one line per pull from another registry ("image: pulled <ref> (<n> layers,
  // <bytes> in <ms> ms)") and failures worth a log line. May be called from any thread.
  std::function<void(std::string_view line)> log;
};

// An image ready to run.
struct PreparedImage {
  std::string image;           // the canonical reference (ImageRef::ToString())
  std::string repository_uri;  // ImageRef::RepositoryUri()
  // What the reference names (tag's manifest or index digest): the container's imageDigest.
  std::string digest;
  std::string manifest_digest;  // the platform's image manifest
  ImageConfig config;
  // Unpacked layer directories, bottom (base) layer first: sandbox::ImageRootFs::layers. Owned
  // by the cache, read-only for the caller, valid while the cache lives.
  std::vector<std::string> layers;
};

class ImageCache {
 public:
  // Creates the directories, removes unpacks a killed nimbus left in tmp/. Fails when the root
  // cannot be created.
  static Result<std::unique_ptr<ImageCache>> Open(ImageCacheOptions options);
  virtual ~ImageCache() = default;

  // Resolves `image` for `scope` (the caller's account and region: where a nimbus repositoryUri
  // points) and makes its layers ready, files owned by image owner + `id_offset`
  // (sandbox::SandboxCapabilities::id_offset). Errors:
  //   InvalidArgument  the reference does not parse ("invalid reference format: ...")
  //   NotFound         no such repository, tag, digest or platform: "<registry>/<repo>:<tag>: not
//                    found", "<registry>/<repo>@<digest>: manifest unknown" (containerd's texts)
  //   Unavailable      another registry could not be reached or refused us (message says how)
  //   Corruption       a blob or layer does not match its digest or diff id; a layer that
  //                    cannot be unpacked (escaping entry, bad tar): message names the layer
  //   Internal         local file system failures
  // PullFailureReason turns any of them into the task's stoppedReason.
  virtual Result<PreparedImage> Prepare(const Scope& scope, std::string_view image,
                                        uid_t id_offset) = 0;

  // What `image` names now, without unpacking (digest pinning, Lambda's CodeSha256 and
  // ResolvedImageUri): PreparedImage's image, repository_uri, digest and manifest_digest only.
  // Errors as Prepare.
  virtual Result<PreparedImage> ResolveDigest(const Scope& scope, std::string_view image) = 0;
};

// AWS's stoppedReason for a failed Prepare of `image`:
// "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve
// ref <image>: <status message>" for NotFound / Unavailable / InvalidArgument, and
// "CannotPullContainerError: failed to extract layer <diff id>: <message>" style texts for
// unpack failures (Corruption, Internal).
std::string PullFailureReason(std::string_view image, const Status& status);

}  // namespace nimbus::image
