// ECR's durable metadata in SQLite (module "ecr"): repositories, images (manifests), tags,
// what each image references, the blobs linked into each repository, and registry tokens.
// Blob and manifest bytes live in a BlobStore; this only records digests.
//
// Thread-safe (Database serializes). Callers combine calls with db().Transaction(...) when they
// must be atomic. NotFound/AlreadyExists carry plain messages; callers map them to ECR/OCI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace nimbus::ecr {

// An (account, region) namespace: every repository lives in exactly one.
struct Ns {
  std::string account;
  std::string region;
};

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

  Status CreateRepo(const Ns& ns, const RepoRow& repo);            // AlreadyExists when taken
  Result<RepoRow> GetRepo(const Ns& ns, const std::string& name);  // NotFound when absent
  Result<std::vector<RepoRow>> ListRepos(const Ns& ns);            // ordered by name
  // Rewrites mutability, scanning, encryption, lifecycle and tags of an existing repository.
  Status UpdateRepo(const Ns& ns, const RepoRow& repo);
  Status SetLifecycleEvaluated(const Ns& ns, const std::string& name, int64_t ms);
  Status DeleteRepo(const Ns& ns, const std::string& name);  // cascades to images, tags, links

  Result<std::vector<ImageRow>> ListImages(const Ns& ns, const std::string& repo);
  Result<std::optional<ImageRow>> GetImage(const Ns& ns, const std::string& repo,
                                           const std::string& digest);
  // Digest the tag points to, nullopt when the tag does not exist.
  Result<std::optional<std::string>> ResolveTag(const Ns& ns, const std::string& repo,
                                                const std::string& tag);
  // Inserts the image and its references unless the digest is already there (kept as is).
  Status InsertImage(const Ns& ns, const std::string& repo, const ImageRow& image,
                     const std::vector<ImageRef>& refs);
  Status SetTag(const Ns& ns, const std::string& repo, const std::string& tag,
                const std::string& digest);
  Status DeleteTag(const Ns& ns, const std::string& repo, const std::string& tag);
  Status DeleteImage(const Ns& ns, const std::string& repo, const std::string& digest);
  Status TouchPull(const Ns& ns, const std::string& repo, const std::string& digest, int64_t ms);
  // Images in `repo` whose subject is `digest`.
  Result<std::vector<ImageRow>> Referrers(const Ns& ns, const std::string& repo,
                                          const std::string& digest);
  Result<std::vector<ImageRef>> ImageRefs(const Ns& ns, const std::string& repo,
                                          const std::string& digest);
  // True when some image of `repo` refers to `digest` (as a blob or a child manifest).
  Result<bool> ReferencedInRepo(const Ns& ns, const std::string& repo, const std::string& digest);

  // Makes a blob available in `repo` (idempotent).
  Status Link(const Ns& ns, const std::string& repo, const std::string& digest, int64_t size,
              int64_t now_ms);
  // Size of a blob linked into `repo`, nullopt when not linked.
  Result<std::optional<int64_t>> LinkedSize(const Ns& ns, const std::string& repo,
                                            const std::string& digest);
  Status Unlink(const Ns& ns, const std::string& repo, const std::string& digest);
  Result<std::vector<std::string>> LinkedDigests(const Ns& ns, const std::string& repo);
  // True when any repository of any account links `digest` or has it as an image.
  Result<bool> DigestInUse(const std::string& digest);

  Status PutToken(const std::string& token, const Ns& ns, int64_t expires_ms);
  // The namespace of an unexpired token, nullopt otherwise.
  Result<std::optional<Ns>> LookupToken(const std::string& token, int64_t now_ms);

 private:
  Status LoadTags(const Ns& ns, const std::string& repo, std::vector<ImageRow>& images);
  store::Database& db_;
};

}  // namespace nimbus::ecr
