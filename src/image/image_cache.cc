#include "image/image_cache.h"

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "image/image_source.h"
#include "image/layer_store.h"
#include "image/remote_source.h"
#include "services/ecr/api/image_reader.h"

namespace nimbus::image {
namespace {

// nimbus's registry, in one scope. Its NotFound texts name the repository as the reference does
// ("<registry>/<repo>:<tag>: not found", as containerd names it after "failed to resolve ref").
class RegistrySource : public ImageSource {
 public:
  RegistrySource(ecr::ImageReader& reader, Scope scope)
      : reader_(reader), scope_(std::move(scope)) {}
  Result<std::string> Digest(const ImageRef& ref) override {
    return Qualify(ref, reader_.ResolveDigest(scope_, ref.repository, ref.reference()));
  }
  Result<ecr::ResolvedImage> Resolve(const ImageRef& ref, const std::string& digest) override {
    return Qualify(ref, reader_.Resolve(scope_, ref.repository, digest));
  }
  Result<std::string> BlobPath(const ImageRef& ref, const ecr::LayerDescriptor& blob) override {
    return Qualify(ref, reader_.BlobPath(scope_, ref.repository, blob.digest));
  }

 private:
  template <class T>
  static Result<T> Qualify(const ImageRef& ref, Result<T> r) {
    if (r.ok() || r.error().code() != StatusCode::kNotFound ||
        !r.error().message().starts_with(ref.repository))
      return r;
    return Status::NotFound(ref.registry + "/" + r.error().message());
  }

  ecr::ImageReader& reader_;
  Scope scope_;
};

class Cache : public ImageCache {
 public:
  Cache(ImageCacheOptions options, std::unique_ptr<LayerStore> layers,
        std::unique_ptr<RemoteSource> remote)
      : options_(std::move(options)), layers_(std::move(layers)), remote_(std::move(remote)) {}

  Result<PreparedImage> Prepare(const Scope& scope, std::string_view image,
                                uid_t id_offset) override {
    return Run(
        scope, image,
        [&](const ImageRef& ref, ImageSource& source, PreparedImage out) -> Result<PreparedImage> {
          std::string key = out.digest + "/" + std::to_string(id_offset);
          {
            std::lock_guard lock(mu_);
            if (auto it = prepared_.find(key); it != prepared_.end()) {
              out.manifest_digest = it->second.manifest_digest;
              out.config = it->second.config;
              out.layers = it->second.layers;
              return out;
            }
          }
          auto resolved = source.Resolve(ref, out.digest);
          if (!resolved.ok()) return resolved.error();
          auto config = ParseImageConfig(resolved->config);
          if (!config.ok())
            return Status::Corruption(ref.ToString() + ": " + config.error().message());
          if (config->diff_ids.size() != resolved->layers.size()) {
            return Status::Corruption(ref.ToString() + ": the config lists " +
                                      std::to_string(config->diff_ids.size()) + " diff ids for " +
                                      std::to_string(resolved->layers.size()) + " layers");
          }
          out.manifest_digest = resolved->manifest_digest;
          for (size_t i = 0; i < resolved->layers.size(); ++i) {
            const auto& blob = resolved->layers[i];
            auto dir = layers_->Get(config->diff_ids[i], id_offset,
                                    [&] { return source.BlobPath(ref, blob); });
            if (!dir.ok()) return dir.error();
            out.layers.push_back(std::move(*dir));
          }
          out.config = std::move(*config);
          std::lock_guard lock(mu_);
          prepared_[key] = out;
          return out;
        });
  }

  Result<PreparedImage> ResolveDigest(const Scope& scope, std::string_view image) override {
    return Run(
        scope, image,
        [&](const ImageRef& ref, ImageSource& source, PreparedImage out) -> Result<PreparedImage> {
          auto resolved = source.Resolve(ref, out.digest);
          if (!resolved.ok()) return resolved.error();
          out.manifest_digest = resolved->manifest_digest;
          return out;
        });
  }

 private:
  // Parses `image`, picks its source and resolves its digest, then calls `then`.
  template <class Then>
  Result<PreparedImage> Run(const Scope& scope, std::string_view image, Then then) {
    auto ref = ParseImageRef(image, options_.nimbus_hosts);
    if (!ref.ok()) return ref.error();
    PreparedImage out;
    out.image = ref->ToString();
    out.repository_uri = ref->RepositoryUri();
    std::unique_ptr<RegistrySource> local;
    ImageSource* source = remote_.get();
    if (ref->kind != ImageRef::Kind::kRemote) {
      if (!options_.registry) return Status::NotFound(ref->repository + ": not found");
      Scope where = ref->kind == ImageRef::Kind::kEcr ? Scope{ref->account, ref->region} : scope;
      local = std::make_unique<RegistrySource>(*options_.registry, std::move(where));
      source = local.get();
    }
    auto digest = source->Digest(*ref);
    if (!digest.ok()) return digest.error();
    out.digest = std::move(*digest);
    return then(*ref, *source, std::move(out));
  }

  ImageCacheOptions options_;
  std::unique_ptr<LayerStore> layers_;
  std::unique_ptr<RemoteSource> remote_;
  std::mutex mu_;
  std::map<std::string, PreparedImage> prepared_;  // by "<digest>/<id offset>"
};

}  // namespace

Result<std::unique_ptr<ImageCache>> ImageCache::Open(ImageCacheOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.root, ec);
  if (ec) return Status::Internal("image cache: create " + options.root + ": " + ec.message());
  ::chmod(options.root.c_str(), 0700);
  auto layers = LayerStore::Open(options.root);
  if (!layers.ok()) return layers.error();
  auto remote = RemoteSource::Open(options);
  if (!remote.ok()) return remote.error();
  return std::unique_ptr<ImageCache>(
      std::make_unique<Cache>(std::move(options), std::move(*layers), std::move(*remote)));
}

Result<PullBehavior> ParsePullBehavior(std::string_view name) {
  if (name == "prefer-cached" || name == "once") return PullBehavior::kPreferCached;
  if (name == "default") return PullBehavior::kDefault;
  if (name == "always") return PullBehavior::kAlways;
  return Status::InvalidArgument(
      "image pull behavior must be default, always, once or "
      "prefer-cached, not \"" +
      std::string(name) + "\"");
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
