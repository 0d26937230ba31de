#include "image/image_cache.h"

#include <sys/stat.h>

#include <filesystem>

#include "services/ecr/api/image_reader.h"

namespace nimbus::image {
namespace {

class Cache : public ImageCache {
 public:
  explicit Cache(ImageCacheOptions options) : options_(std::move(options)) {}

  Result<PreparedImage> Prepare(const Scope& scope, std::string_view image,
                                uid_t id_offset) override {
    (void)id_offset;
    auto resolved = ResolveDigest(scope, image);
    if (!resolved.ok()) return resolved.error();
    return Status::Unimplemented("image cache: unpacking layers is not implemented yet");
  }

  Result<PreparedImage> ResolveDigest(const Scope& scope, std::string_view image) override {
    auto ref = ParseImageRef(image, options_.nimbus_hosts);
    if (!ref.ok()) return ref.error();
    PreparedImage out;
    out.image = ref->ToString();
    out.repository_uri = ref->RepositoryUri();
    if (ref->kind == ImageRef::Kind::kRemote) {
      return Status::Unimplemented(
          "image cache: pulling from other registries is not implemented yet");
    }
    if (!options_.registry) return Status::NotFound(ref->repository + ": not found");
    Scope where = ref->kind == ImageRef::Kind::kEcr ? Scope{ref->account, ref->region} : scope;
    auto digest = options_.registry->ResolveDigest(where, ref->repository, ref->reference());
    if (!digest.ok()) return digest.error();
    out.digest = *digest;
    return out;
  }

 private:
  ImageCacheOptions options_;
};

}  // namespace

Result<std::unique_ptr<ImageCache>> ImageCache::Open(ImageCacheOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.root, ec);
  if (ec) return Status::Internal("image cache: create " + options.root + ": " + ec.message());
  ::chmod(options.root.c_str(), 0700);
  return std::unique_ptr<ImageCache>(std::make_unique<Cache>(std::move(options)));
}

std::string PullFailureReason(std::string_view image, const Status& status) {
  std::string img(image);
  switch (status.code()) {
    case StatusCode::kNotFound:
    case StatusCode::kUnavailable:
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      return "CannotPullContainerError: pull image manifest has been retried 1 time(s): "
             "failed to resolve ref " +
             img + ": " + status.message();
    default:
      return "CannotPullContainerError: failed to prepare image " + img + ": " + status.message();
  }
}

}  // namespace nimbus::image
