#include "services/lambda/image_source_ecr.h"

#include "image/image_cache.h"
#include "image/image_config.h"
#include "image/image_ref.h"
#include "services/ecr/api/image_reader.h"

namespace nimbus::lambda {
namespace {

class EcrImageSource : public FunctionImageSource {
 public:
  EcrImageSource(std::shared_ptr<ecr::ImageReader> registry,
                 std::shared_ptr<image::ImageCache> cache, std::vector<std::string> nimbus_hosts)
      : registry_(std::move(registry)),
        cache_(std::move(cache)),
        nimbus_hosts_(std::move(nimbus_hosts)) {}

  Result<ResolvedFunctionImage> Resolve(const std::string& account, const std::string& region,
                                        const std::string& uri) override {
    auto ref = image::ParseImageRef(uri, nimbus_hosts_);
    if (!ref.ok()) return ref.error();
    Scope where{account, region};
    if (ref->kind == image::ImageRef::Kind::kRemote) {
      return Status::InvalidArgument(uri + ": not an image of nimbus's ECR registry");
    }
    if (ref->kind == image::ImageRef::Kind::kEcr) {
      // The repository must be in the function's region; another account's needs a
      // repository policy, which nimbus does not keep.
      if (ref->region != region) return Status::InvalidArgument(uri + ": another region");
      if (ref->account != account) return Status::PermissionDenied(uri + ": another account");
    }
    auto digest = registry_->ResolveDigest(where, ref->repository, ref->reference());
    if (!digest.ok()) return digest.error();
    ResolvedFunctionImage out;
    out.repository_uri = ref->RepositoryUri();
    out.digest = *digest;
    std::string account_of = ref->kind == image::ImageRef::Kind::kEcr ? ref->account : account;
    out.pinned_uri = account_of + ".dkr.ecr." + region + ".amazonaws.com/" + ref->repository +
                     "@" + *digest;
    // An index resolves to one of its manifests; a manifest to itself.
    auto image = registry_->Resolve(where, ref->repository, *digest);
    if (!image.ok()) {
      bool no_platform = image.error().code() == StatusCode::kNotFound &&
                         image.error().message().find("no match for platform") != std::string::npos;
      if (!no_platform) return image.error();
      out.is_index = true;  // an index without this host's platform
    } else {
      out.is_index = image->manifest_digest != *digest;
    }
    return out;
  }

  Result<FunctionImageRoot> Prepare(const std::string& account, const std::string& region,
                                    const std::string& uri, uid_t id_offset) override {
    auto prepared = cache_->Prepare(Scope{account, region}, uri, id_offset);
    if (!prepared.ok()) return prepared.error();
    FunctionImageRoot root;
    root.layers = std::move(prepared->layers);
    root.entrypoint = std::move(prepared->config.entrypoint);
    root.cmd = std::move(prepared->config.cmd);
    root.env = std::move(prepared->config.env);
    root.working_dir = std::move(prepared->config.working_dir);
    root.architecture = std::move(prepared->config.architecture);
    return root;
  }

 private:
  std::shared_ptr<ecr::ImageReader> registry_;
  std::shared_ptr<image::ImageCache> cache_;
  std::vector<std::string> nimbus_hosts_;
};

}  // namespace

std::shared_ptr<FunctionImageSource> MakeEcrImageSource(std::shared_ptr<ecr::ImageReader> registry,
                                                        std::shared_ptr<image::ImageCache> cache,
                                                        std::vector<std::string> nimbus_hosts) {
  return std::make_shared<EcrImageSource>(std::move(registry), std::move(cache),
                                          std::move(nimbus_hosts));
}

}  // namespace nimbus::lambda
