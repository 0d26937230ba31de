#include "services/ecr/core.h"

#include <algorithm>
#include <mutex>

#include "auth/crypto.h"
#include "services/ecr/lifecycle.h"
#include "services/ecr/manifest.h"
#include "services/ecr/names.h"

namespace nimbus::ecr {
namespace {

CoreError Internal(const Status& st) { return {Err::kInternal, st.ToString()}; }

}  // namespace

EcrCore::EcrCore(store::Database& db, store::BlobStore& blobs, const Clock& clock)
    : repos_(db), blobs_(blobs), clock_(clock) {}

std::string EcrCore::RepoNotFoundMessage(const Scope& ns, const std::string& repo) {
  return "The repository with name '" + repo + "' does not exist in the registry with id '" +
         ns.account + "'";
}

CoreResult<RepoRow> EcrCore::Repo(const Scope& ns, const std::string& name) {
  auto repo = repos_.GetRepo(ns, name);
  if (repo.ok()) return std::move(*repo);
  if (repo.error().code() == StatusCode::kNotFound) {
    return CoreError{Err::kNameUnknown, RepoNotFoundMessage(ns, name)};
  }
  return Internal(repo.error());
}

CoreResult<PutManifestOutcome> EcrCore::PutManifest(const Scope& ns, const std::string& repo_name,
                                                    const std::string& reference,
                                                    const std::string& bytes,
                                                    const std::string& content_type) {
  if (bytes.size() > kMaxManifestBytes) {
    return CoreError{Err::kTooLarge,
                     "manifest exceeds " + std::to_string(kMaxManifestBytes) + " bytes"};
  }
  auto repo = Repo(ns, repo_name);
  if (!repo.ok()) return repo.error();
  auto info = ParseManifest(bytes, content_type);
  if (!info.ok()) return CoreError{Err::kManifestInvalid, info.error().message()};
  // A manifest pushed by a sha512 digest is named by that algorithm; otherwise by sha256.
  std::string digest = IsSha512Digest(reference)
                           ? "sha512:" + store::Hasher::Hex(bytes, store::DigestAlgorithm::kSha512)
                           : "sha256:" + auth::Sha256Hex(bytes);
  std::string tag;
  if (LooksLikeDigest(reference)) {
    if (!ValidDigest(reference)) {
      return CoreError{Err::kDigestInvalid, "invalid digest " + reference};
    }
    if (reference != digest) {
      return CoreError{Err::kDigestInvalid,
                       "manifest digest " + digest + " does not match " + reference};
    }
  } else if (!reference.empty()) {
    if (!ValidTag(reference)) return CoreError{Err::kTagInvalid, "invalid tag " + reference};
    tag = reference;
  }

  PutManifestOutcome out;
  out.digest = digest;
  out.subject = info->subject;
  {
    std::shared_lock lock(gc_mu_);
    std::vector<ImageRef> refs;
    std::vector<std::string> missing;
    int64_t size = info->image_size;
    for (const auto& blob : info->blobs) {
      if (blob.external) continue;
      auto linked = repos_.LinkedSize(ns, repo_name, blob.digest);
      if (!linked.ok()) return Internal(linked.error());
      if (!*linked) {
        missing.push_back(blob.digest);
        continue;
      }
      if (**linked != blob.size) {
        return CoreError{Err::kManifestInvalid, "size of " + blob.digest + " is " +
                                                    std::to_string(**linked) + ", not " +
                                                    std::to_string(blob.size)};
      }
      refs.push_back({blob.digest, false});
    }
    for (const auto& child : info->children) {
      auto image = repos_.GetImage(ns, repo_name, child.digest);
      if (!image.ok()) return Internal(image.error());
      if (!*image) {
        missing.push_back(child.digest);
        continue;
      }
      size = std::max(size, (*image)->size);
      refs.push_back({child.digest, true});
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      return CoreError{Err::kManifestBlobUnknown, list};
    }
    auto stored = blobs_.Put(bytes, digest);
    if (!stored.ok()) return Internal(stored.error());

    ImageRow row;
    row.digest = digest;
    row.media_type = info->media_type;
    row.artifact_type = info->artifact_type.empty() ? info->config_media_type : info->artifact_type;
    row.subject = info->subject;
    row.size = size;
    row.pushed_ms = clock_.NowMillis();
    if (!info->annotations.is_null()) row.annotations_json = info->annotations.dump();
    bool immutable_clash = false;
    Status st = repos_.db().Transaction([&]() -> Status {
      auto had_image = repos_.GetImage(ns, repo_name, digest);
      if (!had_image.ok()) return had_image.error();
      out.existed = tag.empty() && had_image->has_value();
      if (!tag.empty()) {
        auto current = repos_.ResolveTag(ns, repo_name, tag);
        if (!current.ok()) return current.error();
        if (*current && **current == digest) out.existed = true;
        if (*current && **current != digest && repo->mutability == "IMMUTABLE") {
          immutable_clash = true;
          return Status::FailedPrecondition("immutable");
        }
      }
      NIMBUS_RETURN_IF_ERROR(repos_.InsertImage(ns, repo_name, row, refs));
      if (!tag.empty()) NIMBUS_RETURN_IF_ERROR(repos_.SetTag(ns, repo_name, tag, digest));
      return Status::Ok();
    });
    if (immutable_clash) {
      return CoreError{Err::kTagImmutable,
                       "The image tag '" + tag + "' already exists in the '" + repo_name +
                           "' repository and cannot be overwritten because the repository is "
                           "immutable."};
    }
    if (!st.ok()) return Internal(st);
  }
  if (repo->lifecycle) {
    auto expired = ApplyLifecycle(ns, repo_name);
    if (!expired.ok()) return expired.error();
  }
  return out;
}

CoreResult<ManifestData> EcrCore::GetManifest(const Scope& ns, const std::string& repo,
                                              const std::string& reference, bool record_pull) {
  auto r = Repo(ns, repo);
  if (!r.ok()) return r.error();
  std::string digest = reference;
  if (LooksLikeDigest(reference)) {
    if (!ValidDigest(reference))
      return CoreError{Err::kDigestInvalid, "invalid digest " + reference};
  } else {
    if (!ValidTag(reference)) return CoreError{Err::kTagInvalid, "invalid tag " + reference};
    auto resolved = repos_.ResolveTag(ns, repo, reference);
    if (!resolved.ok()) return Internal(resolved.error());
    if (!*resolved) return CoreError{Err::kManifestUnknown, "Requested image not found"};
    digest = **resolved;
  }
  auto image = repos_.GetImage(ns, repo, digest);
  if (!image.ok()) return Internal(image.error());
  if (!*image) return CoreError{Err::kManifestUnknown, "Requested image not found"};
  auto bytes = blobs_.Read(digest);
  if (!bytes.ok()) return CoreError{Err::kManifestUnknown, "Requested image not found"};
  if (record_pull) (void)repos_.TouchPull(ns, repo, digest, clock_.NowMillis());
  return ManifestData{digest, (*image)->media_type, std::move(*bytes)};
}

}  // namespace nimbus::ecr
