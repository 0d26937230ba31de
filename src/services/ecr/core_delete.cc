// EcrCore: deletion, blobs, lifecycle and garbage collection.
#include <algorithm>
#include <mutex>

#include "services/ecr/core.h"
#include "services/ecr/lifecycle.h"
#include "services/ecr/names.h"

namespace nimbus::ecr {
namespace {

CoreError Internal(const Status& st) { return {Err::kInternal, st.ToString()}; }

}  // namespace

Status EcrCore::DeleteImageLocked(const Scope& ns, const std::string& repo,
                                  const std::string& digest, std::vector<std::string>& candidates) {
  auto refs = repos_.ImageRefs(ns, repo, digest);
  if (!refs.ok()) return refs.error();
  NIMBUS_RETURN_IF_ERROR(repos_.DeleteImage(ns, repo, digest));  // cascades tags and refs
  candidates.push_back(digest);
  for (const auto& ref : *refs) {
    if (ref.manifest) continue;  // child manifests stay as (untagged) images
    auto used = repos_.ReferencedInRepo(ns, repo, ref.digest);
    if (!used.ok()) return used.error();
    if (*used) continue;
    NIMBUS_RETURN_IF_ERROR(repos_.Unlink(ns, repo, ref.digest));
    candidates.push_back(ref.digest);
  }
  return Status::Ok();
}

void EcrCore::CollectLocked(const std::vector<std::string>& candidates) {
  for (const auto& digest : candidates) {
    auto used = repos_.DigestInUse(digest);
    if (used.ok() && !*used) (void)blobs_.Remove(digest);
  }
}

CoreResult<Done> EcrCore::DeleteImages(const Scope& ns, const std::string& repo,
                                       const std::vector<std::string>& digests) {
  std::unique_lock lock(gc_mu_);
  std::vector<std::string> candidates;
  for (const auto& digest : digests) {
    auto in_index = repos_.ReferencedInRepo(ns, repo, digest);
    if (!in_index.ok()) return Internal(in_index.error());
    if (*in_index) {
      CollectLocked(candidates);
      return CoreError{Err::kReferencedByIndex,
                       "Requested image referenced by manifest list: " + digest};
    }
    Status st =
        repos_.db().Transaction([&]() { return DeleteImageLocked(ns, repo, digest, candidates); });
    if (!st.ok()) return Internal(st);
  }
  CollectLocked(candidates);
  return Done{};
}

CoreResult<Done> EcrCore::DeleteManifest(const Scope& ns, const std::string& repo,
                                         const std::string& reference) {
  auto r = Repo(ns, repo);
  if (!r.ok()) return r.error();
  if (!LooksLikeDigest(reference)) {
    if (!ValidTag(reference)) return CoreError{Err::kTagInvalid, "invalid tag " + reference};
    auto resolved = repos_.ResolveTag(ns, repo, reference);
    if (!resolved.ok()) return Internal(resolved.error());
    if (!*resolved) return CoreError{Err::kManifestUnknown, "Requested image not found"};
    Status st = repos_.DeleteTag(ns, repo, reference);
    if (!st.ok()) return Internal(st);
    return Done{};
  }
  if (!ValidDigest(reference)) return CoreError{Err::kDigestInvalid, "invalid digest " + reference};
  auto image = repos_.GetImage(ns, repo, reference);
  if (!image.ok()) return Internal(image.error());
  if (!*image) return CoreError{Err::kManifestUnknown, "Requested image not found"};
  return DeleteImages(ns, repo, {reference});
}

CoreResult<Done> EcrCore::DeleteRepository(const Scope& ns, const std::string& repo) {
  std::unique_lock lock(gc_mu_);
  auto links = repos_.LinkedDigests(ns, repo);
  if (!links.ok()) return Internal(links.error());
  auto images = repos_.ListImages(ns, repo);
  if (!images.ok()) return Internal(images.error());
  std::vector<std::string> candidates = std::move(*links);
  for (const auto& image : *images) candidates.push_back(image.digest);
  Status st = repos_.DeleteRepo(ns, repo);
  if (!st.ok()) return Internal(st);
  CollectLocked(candidates);
  return Done{};
}

CoreResult<BlobLocation> EcrCore::Blob(const Scope& ns, const std::string& repo,
                                       const std::string& digest) {
  auto r = Repo(ns, repo);
  if (!r.ok()) return r.error();
  if (!ValidDigest(digest)) return CoreError{Err::kDigestInvalid, "invalid digest " + digest};
  auto size = repos_.LinkedSize(ns, repo, digest);
  if (!size.ok()) return Internal(size.error());
  if (!*size) return CoreError{Err::kBlobUnknown, "blob unknown to registry: " + digest};
  auto path = blobs_.Path(digest);
  if (!path.ok()) return CoreError{Err::kBlobUnknown, "blob unknown to registry: " + digest};
  return BlobLocation{std::move(*path), **size};
}

CoreResult<std::string> EcrCore::CommitBlob(const Scope& ns, const std::string& repo,
                                            store::BlobWriter& writer,
                                            const std::string& expected_digest) {
  if (!ValidDigest(expected_digest)) {
    writer.Abort();
    return CoreError{Err::kDigestInvalid, "invalid digest " + expected_digest};
  }
  std::shared_lock lock(gc_mu_);
  int64_t size = static_cast<int64_t>(writer.size());
  auto digest = writer.Commit(expected_digest);
  if (!digest.ok()) {
    if (digest.error().code() == StatusCode::kInvalidArgument) {
      return CoreError{Err::kDigestInvalid,
                       "provided digest did not match uploaded content: " + expected_digest};
    }
    return Internal(digest.error());
  }
  Status st = repos_.Link(ns, repo, *digest, size, clock_.NowMillis());
  if (!st.ok()) return Internal(st);
  return std::move(*digest);
}

CoreResult<Done> EcrCore::Mount(const Scope& ns, const std::string& repo, const std::string& from,
                                const std::string& digest) {
  if (!ValidDigest(digest)) return CoreError{Err::kDigestInvalid, "invalid digest " + digest};
  std::shared_lock lock(gc_mu_);
  auto size = repos_.LinkedSize(ns, from, digest);
  if (!size.ok()) return Internal(size.error());
  if (!*size || !blobs_.Has(digest)) {
    return CoreError{Err::kBlobUnknown, "blob unknown to registry: " + digest};
  }
  Status st = repos_.Link(ns, repo, digest, **size, clock_.NowMillis());
  if (!st.ok()) return Internal(st);
  return Done{};
}

CoreResult<Done> EcrCore::DeleteBlob(const Scope& ns, const std::string& repo,
                                     const std::string& digest) {
  auto r = Repo(ns, repo);
  if (!r.ok()) return r.error();
  if (!ValidDigest(digest)) return CoreError{Err::kDigestInvalid, "invalid digest " + digest};
  std::unique_lock lock(gc_mu_);
  auto size = repos_.LinkedSize(ns, repo, digest);
  if (!size.ok()) return Internal(size.error());
  if (!*size) return CoreError{Err::kBlobUnknown, "blob unknown to registry: " + digest};
  auto used = repos_.ReferencedInRepo(ns, repo, digest);
  if (!used.ok()) return Internal(used.error());
  if (*used) {
    return CoreError{Err::kUnsupported, "blob " + digest + " is referenced by an image of " + repo};
  }
  Status st = repos_.Unlink(ns, repo, digest);
  if (!st.ok()) return Internal(st);
  CollectLocked({digest});
  return Done{};
}

CoreResult<std::vector<std::string>> EcrCore::ApplyLifecycle(const Scope& ns,
                                                             const std::string& repo_name) {
  std::unique_lock lock(gc_mu_);
  auto repo = Repo(ns, repo_name);
  if (!repo.ok()) return repo.error();
  return ApplyLifecycleLocked(ns, *repo);
}

CoreResult<std::vector<std::string>> EcrCore::ApplyLifecycleLocked(const Scope& ns,
                                                                   const RepoRow& repo) {
  std::vector<std::string> expired;
  if (!repo.lifecycle) return expired;
  auto policy = ParseLifecyclePolicy(*repo.lifecycle);
  if (!policy.ok()) return expired;  // validated when stored; nothing to apply
  auto images = repos_.ListImages(ns, repo.name);
  if (!images.ok()) return Internal(images.error());
  std::vector<LifecycleImage> candidates;
  for (const auto& image : *images) {
    // Images an index refers to live and die with the index.
    auto in_index = repos_.ReferencedInRepo(ns, repo.name, image.digest);
    if (!in_index.ok()) return Internal(in_index.error());
    if (*in_index) continue;
    candidates.push_back({image.digest, image.tags, image.pushed_ms});
  }
  int64_t now = clock_.NowMillis();
  expired = EvaluateLifecycle(*policy, candidates, now);
  std::vector<std::string> garbage;
  Status st = repos_.db().Transaction([&]() -> Status {
    for (const auto& digest : expired) {
      NIMBUS_RETURN_IF_ERROR(DeleteImageLocked(ns, repo.name, digest, garbage));
    }
    return repos_.SetLifecycleEvaluated(ns, repo.name, now);
  });
  if (!st.ok()) return Internal(st);
  CollectLocked(garbage);
  return expired;
}

}  // namespace nimbus::ecr
