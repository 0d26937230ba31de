// ECR's durable metadata in SQLite (module "ecr"): repositories, images (manifests), tags,
// what each image references, the blobs linked into each repository, and registry tokens.
// Blob and manifest bytes live in a BlobStore; this only records digests.
//
// Every row lives in one Scope (account, region). Thread-safe (Database serializes). Callers
// combine calls with db().Transaction(...) when they must be atomic. NotFound/AlreadyExists carry
// plain messages; callers map them to ECR/OCI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "services/kit/scope.h"
#include "store/database.h"

namespace nimbus::ecr {

struct RepoRow {
  std::string name;
  int64_t created_ms = 0;
  std::string mutability = "MUTABLE";
  bool scan_on_push = false;
  std::string encryption_type = "AES256";
  std::string kms_key;
  std::optional<std::string> lifecycle;  // policy text
  int64_t lifecycle_eval_ms = 0;
  std::string tags_json = "[]";  // [{"Key":..,"Value":..}]
};

struct ImageRow {
  std::string digest;
  std::string media_type;
  std::string artifact_type;
  std::string subject;
  int64_t size = 0;
  int64_t pushed_ms = 0;
  int64_t pulled_ms = 0;
  std::string annotations_json;   // empty when none
  std::vector<std::string> tags;  // sorted
};

// A digest an image refers to: a blob (config/layer) or a child manifest.
struct ImageRef {
  std::string digest;
  bool manifest = false;
};

class RepoStore {
 public:
  // Applies the "ecr" migrations.
  static Status Install(store::Database& db);
  explicit RepoStore(store::Database& db) : db_(db) {}
  store::Database& db() { return db_; }

  Status CreateRepo(const Scope& ns, const RepoRow& repo);            // AlreadyExists when taken
  Result<RepoRow> GetRepo(const Scope& ns, const std::string& name);  // NotFound when absent
  Result<std::vector<RepoRow>> ListRepos(const Scope& ns);            // ordered by name
  // Rewrites mutability, scanning, encryption, lifecycle and tags of an existing repository.
  Status UpdateRepo(const Scope& ns, const RepoRow& repo);
  Status SetLifecycleEvaluated(const Scope& ns, const std::string& name, int64_t ms);
  Status DeleteRepo(const Scope& ns, const std::string& name);  // cascades to images, tags, links

  Result<std::vector<ImageRow>> ListImages(const Scope& ns, const std::string& repo);
  Result<std::optional<ImageRow>> GetImage(const Scope& ns, const std::string& repo,
                                           const std::string& digest);
  // Digest the tag points to, nullopt when the tag does not exist.
  Result<std::optional<std::string>> ResolveTag(const Scope& ns, const std::string& repo,
                                                const std::string& tag);
  // Inserts the image and its references unless the digest is already there (kept as is).
  Status InsertImage(const Scope& ns, const std::string& repo, const ImageRow& image,
                     const std::vector<ImageRef>& refs);
  Status SetTag(const Scope& ns, const std::string& repo, const std::string& tag,
                const std::string& digest);
  Status DeleteTag(const Scope& ns, const std::string& repo, const std::string& tag);
  Status DeleteImage(const Scope& ns, const std::string& repo, const std::string& digest);
  Status TouchPull(const Scope& ns, const std::string& repo, const std::string& digest, int64_t ms);
  // Images in `repo` whose subject is `digest`.
  Result<std::vector<ImageRow>> Referrers(const Scope& ns, const std::string& repo,
                                          const std::string& digest);
  Result<std::vector<ImageRef>> ImageRefs(const Scope& ns, const std::string& repo,
                                          const std::string& digest);
  // True when some image of `repo` refers to `digest` (as a blob or a child manifest).
  Result<bool> ReferencedInRepo(const Scope& ns, const std::string& repo,
                                const std::string& digest);

  // Makes a blob available in `repo` (idempotent).
  Status Link(const Scope& ns, const std::string& repo, const std::string& digest, int64_t size,
              int64_t now_ms);
  // Size of a blob linked into `repo`, nullopt when not linked.
  Result<std::optional<int64_t>> LinkedSize(const Scope& ns, const std::string& repo,
                                            const std::string& digest);
  Status Unlink(const Scope& ns, const std::string& repo, const std::string& digest);
  Result<std::vector<std::string>> LinkedDigests(const Scope& ns, const std::string& repo);
  // True when any repository of any account links `digest` or has it as an image.
  Result<bool> DigestInUse(const std::string& digest);

  Status PutToken(const std::string& token, const Scope& ns, int64_t expires_ms);
  // The namespace of an unexpired token, nullopt otherwise.
  Result<std::optional<Scope>> LookupToken(const std::string& token, int64_t now_ms);

 private:
  Status LoadTags(const Scope& ns, const std::string& repo, std::vector<ImageRow>& images);
  store::Database& db_;
};

}  // namespace nimbus::ecr
