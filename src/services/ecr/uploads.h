// In-progress blob uploads (OCI upload sessions and ECR InitiateLayerUpload), each streaming
// into a BlobWriter so memory stays flat and the digest is computed as bytes arrive.
//
// Sessions live in memory: after a restart their ids are unknown (BLOB_UPLOAD_UNKNOWN) and
// clients start over; nothing is half-published because data only becomes a blob on Commit.
// Sessions idle for longer than the idle limit are dropped (their temp data discarded).
//
// Thread-safe. A session's own mutex serializes requests on the same upload.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "services/ecr/repo_store.h"
#include "store/blob_store.h"

namespace nimbus::ecr {

struct Upload {
  std::mutex mu;  // held while appending/committing
  std::string id;
  Ns ns;
  std::string repo;
  std::unique_ptr<store::BlobWriter> writer;  // null once committed or aborted
  int64_t last_used_ms = 0;
};

class UploadTable {
 public:
  // `blobs` and `clock` must outlive the table.
  UploadTable(store::BlobStore& blobs, const Clock& clock,
              std::chrono::milliseconds idle_limit = std::chrono::hours(1))
      : blobs_(blobs), clock_(clock), idle_limit_ms_(idle_limit.count()) {}

  // Starts a session for (ns, repo) and returns it.
  Result<std::shared_ptr<Upload>> Start(const Ns& ns, const std::string& repo);
  // The live session `id` of (ns, repo); nullptr when unknown, finished or of another repo.
  std::shared_ptr<Upload> Find(const Ns& ns, const std::string& repo, const std::string& id);
  // Forgets a session (after commit or cancel); aborts its writer if still open.
  void Remove(const std::string& id);
  // Number of live sessions (tests).
  size_t size();

 private:
  void ExpireLocked(int64_t now_ms);

  store::BlobStore& blobs_;
  const Clock& clock_;
  int64_t idle_limit_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Upload>> uploads_;
};

}  // namespace nimbus::ecr
