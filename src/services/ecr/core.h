// The registry's behaviour shared by the /v2/ routes and the ECR API: repositories lookup,
// manifest push/pull/delete with ECR tag semantics, blob links and commits, lifecycle
// application and garbage collection.
//
// Tag semantics: pushing a tag that exists moves it (the previous image stays, untagged,
// pullable by digest) unless the repository is IMMUTABLE (kTagImmutable).
//
// GC safety: every operation that creates a reference to a blob (upload commit + link, mount,
// manifest push) holds gc_mu_ shared; deletions and the collection that follows hold it
// exclusively, so a blob is never removed between being committed and being linked.
//
// Thread-safe: all methods may be called concurrently from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "services/ecr/repo_store.h"
#include "store/blob_store.h"

namespace nimbus::ecr {

enum class Err {
  kNameUnknown,
  kNameInvalid,
  kManifestUnknown,
  kManifestInvalid,
  kManifestBlobUnknown,
  kTagInvalid,
  kTagImmutable,
  kDigestInvalid,
  kBlobUnknown,
  kUploadUnknown,
  kUploadInvalid,
  kRangeInvalid,
  kSizeInvalid,
  kUnsupported,
  kTooLarge,
  kReferencedByIndex,
  kInternal,
};

struct CoreError {
  Err code;
  std::string message;
};

template <typename T>
using CoreResult = Result<T, CoreError>;
// Result of an operation without a value.
struct Done {};

struct PutManifestOutcome {
  std::string digest;
  std::string subject;   // subject digest when the manifest has one
  bool existed = false;  // this exact image and tag were already there
};

struct ManifestData {
  std::string digest;
  std::string media_type;
  std::string bytes;
};

struct BlobLocation {
  std::string path;
  int64_t size = 0;
};

// Manifests larger than this are refused (413).
inline constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;

class EcrCore {
 public:
  // `db`, `blobs` and `clock` must outlive the core. RepoStore::Install must have succeeded.
  EcrCore(store::Database& db, store::BlobStore& blobs, const Clock& clock);

  RepoStore& repos() { return repos_; }
  store::BlobStore& blobs() { return blobs_; }
  const Clock& clock() const { return clock_; }

  // The repository, or kNameUnknown with ECR's message.
  CoreResult<RepoRow> Repo(const Scope& ns, const std::string& name);

  // Stores a manifest under `reference` (a tag, a digest, or empty for digest only).
  // `content_type` types a manifest without mediaType. The manifest's blobs (or child
  // manifests) must be in the repository. Runs the repository's lifecycle policy afterwards.
  CoreResult<PutManifestOutcome> PutManifest(const Scope& ns, const std::string& repo,
                                             const std::string& reference, const std::string& bytes,
                                             const std::string& content_type);
  // The manifest `reference` (tag or digest) names. Records the pull time when `record_pull`.
  CoreResult<ManifestData> GetManifest(const Scope& ns, const std::string& repo,
                                       const std::string& reference, bool record_pull);
  // Deletes the tag (by tag) or the image with all its tags (by digest), then collects.
  CoreResult<Done> DeleteManifest(const Scope& ns, const std::string& repo,
                                  const std::string& reference);
  // Deletes images by digest (refusing those an index in the repository refers to), then
  // collects blobs nothing refers to any more.
  CoreResult<Done> DeleteImages(const Scope& ns, const std::string& repo,
                                const std::vector<std::string>& digests);
  // Deletes the repository and everything in it; with force=false only when it has no images.
  CoreResult<Done> DeleteRepository(const Scope& ns, const std::string& repo);

  // A blob linked into `repo`.
  CoreResult<BlobLocation> Blob(const Scope& ns, const std::string& repo,
                                const std::string& digest);
  // Commits an upload (checking `expected_digest`) and links it into `repo`.
  CoreResult<std::string> CommitBlob(const Scope& ns, const std::string& repo,
                                     store::BlobWriter& writer, const std::string& expected_digest);
  // Links a blob of another repository of the same namespace (cross-repository mount).
  // kBlobUnknown when `from` does not have it.
  CoreResult<Done> Mount(const Scope& ns, const std::string& repo, const std::string& from,
                         const std::string& digest);
  // Unlinks a blob no image of `repo` refers to.
  CoreResult<Done> DeleteBlob(const Scope& ns, const std::string& repo, const std::string& digest);

  // Evaluates the repository's lifecycle policy now and expires what it selects. Returns the
  // expired digests.
  CoreResult<std::vector<std::string>> ApplyLifecycle(const Scope& ns, const std::string& repo);

  // ECR's "repository does not exist" message.
  static std::string RepoNotFoundMessage(const Scope& ns, const std::string& repo);

 private:
  // Removes files of `candidates` no repository uses. Caller holds gc_mu_ exclusively.
  void CollectLocked(const std::vector<std::string>& candidates);
  // Deletes one image (tags, refs) and unlinks blobs only it used. Caller holds gc_mu_.
  Status DeleteImageLocked(const Scope& ns, const std::string& repo, const std::string& digest,
                           std::vector<std::string>& candidates);
  CoreResult<std::vector<std::string>> ApplyLifecycleLocked(const Scope& ns, const RepoRow& repo);

  RepoStore repos_;
  store::BlobStore& blobs_;
  const Clock& clock_;
  std::shared_mutex gc_mu_;
};

}  // namespace nimbus::ecr
