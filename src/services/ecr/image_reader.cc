// ecr::ImageReader over the registry's core (api/image_reader.h).
#include "services/ecr/image_reader.h"

#include "image/manifest.h"
#include "services/ecr/names.h"

namespace nimbus::ecr {
namespace {

class CoreImageReader : public ImageReader {
 public:
  explicit CoreImageReader(std::shared_ptr<EcrCore> core)
      : owner_(std::move(core)), core_(*owner_) {}

  Result<ResolvedImage> Resolve(const Scope& scope, const std::string& repo,
                                const std::string& reference, const Platform& platform) override {
    auto top = Manifest(scope, repo, reference);
    if (!top.ok()) return top.error();
    ResolvedImage out;
    out.digest = top->digest;
    if (image::IsIndex(top->media_type, top->bytes)) {
      auto chosen = image::SelectPlatform(top->bytes, platform);
      if (!chosen.ok()) {
        if (chosen.error().code() != StatusCode::kNotFound) return Corrupt(repo, chosen.error());
        return Status::NotFound(Name(repo, reference) + ": " + chosen.error().message() +
                                ": not found");
      }
      auto child = Manifest(scope, repo, *chosen);
      if (!child.ok()) return child.error();
      top = std::move(child);
    }
    auto parsed = image::ParseImageManifest(top->bytes);
    if (!parsed.ok()) return Corrupt(repo, parsed.error());
    out.manifest_digest = top->digest;
    out.manifest_media_type = top->media_type;
    out.manifest = std::move(top->bytes);
    out.config_digest = parsed->config.digest;
    out.layers = std::move(parsed->layers);
    auto path = BlobPath(scope, repo, out.config_digest);
    if (!path.ok()) return path.error();
    auto config = core_.blobs().Read(out.config_digest, /*verify=*/true);
    if (!config.ok()) return Corrupt(repo, config.error());
    out.config = std::move(*config);
    return out;
  }

  Result<std::string> ResolveDigest(const Scope& scope, const std::string& repo,
                                    const std::string& reference) override {
    auto m = Manifest(scope, repo, reference);
    if (!m.ok()) return m.error();
    return std::move(m->digest);
  }

  Result<TagState> Tag(const Scope& scope, const std::string& repo,
                       const std::string& tag) override {
    if (LooksLikeDigest(tag)) return Status::InvalidArgument("not a tag: " + tag);
    auto m = Manifest(scope, repo, tag);
    if (!m.ok()) return m.error();
    auto image = core_.repos().GetImage(scope, repo, m->digest);
    if (!image.ok()) return Status::Internal(image.error().message());
    if (!*image) return Status::NotFound(Name(repo, tag) + ": not found");
    return TagState{m->digest, (*image)->pushed_ms};
  }

  Result<std::string> BlobPath(const Scope& scope, const std::string& repo,
                               const std::string& digest) override {
    auto blob = core_.Blob(scope, repo, digest);
    if (!blob.ok()) {
      if (blob.error().code == Err::kInternal) return Status::Internal(blob.error().message);
      return Status::NotFound(repo + "@" + digest + ": blob unknown");
    }
    return std::move(blob->path);
  }

 private:
  static std::string Name(const std::string& repo, const std::string& reference) {
    return repo + (LooksLikeDigest(reference) ? "@" : ":") + reference;
  }

  static Status Corrupt(const std::string& repo, const Status& st) {
    return Status::Corruption(repo + ": " + st.message());
  }

  Result<ManifestData> Manifest(const Scope& scope, const std::string& repo,
                                const std::string& reference) {
    if (!ValidRepoName(repo)) return Status::InvalidArgument("invalid repository name: " + repo);
    auto m = core_.GetManifest(scope, repo, reference, /*record_pull=*/false);
    if (m.ok()) return std::move(*m);
    switch (m.error().code) {
      case Err::kNameUnknown:
      case Err::kNameInvalid:
        return Status::NotFound(Name(repo, reference) + ": not found");
      case Err::kManifestUnknown:
        if (LooksLikeDigest(reference))
          return Status::NotFound(Name(repo, reference) + ": manifest unknown");
        return Status::NotFound(Name(repo, reference) + ": not found");
      case Err::kDigestInvalid:
      case Err::kTagInvalid:
        return Status::InvalidArgument(m.error().message);
      default:
        return Status::Internal(m.error().message);
    }
  }

  std::shared_ptr<EcrCore> owner_;
  EcrCore& core_;
};

}  // namespace

std::shared_ptr<ImageReader> MakeImageReader(std::shared_ptr<EcrCore> core) {
  return std::make_shared<CoreImageReader>(std::move(core));
}

}  // namespace nimbus::ecr
