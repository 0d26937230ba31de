// In-progress blob uploads (OCI upload sessions and ECR InitiateLayerUpload), each a resumable
// upload of the blob store: bytes go to disk as they arrive, hashed on the way, and only
// become a blob on commit, so nothing is ever half-published.
//
// Sessions survive a restart: an id the table does not know is looked up on disk (the label
// records account, region and repository) and resumed at the size it had. Sessions idle for
// longer than the idle limit (an hour: ECR documents no upload expiry) are dropped with their
// data, in memory and on disk: when the table is created (after a restart) and at every
// upload start or use after that (the disk at most once a minute).
//
// A request works on a session through a Lease, which gives it the session alone until the
// lease ends (a second request meanwhile is told the session is busy), so a lease may be held
// across co_await. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "services/ecr/core.h"
#include "services/ecr/repo_store.h"
#include "store/blob_store.h"

namespace nimbus::ecr {

struct Upload {
  std::string id;
  Scope ns;
  std::string repo;
  std::unique_ptr<store::BlobWriter> writer;  // null once committed or aborted
  int64_t last_used_ms = 0;                   // guarded by the table's mutex
  bool busy = false;                          // a lease holds it; guarded by the table's mutex
};

class UploadTable;

// Exclusive use of one session; releasing it (destruction) marks it idle again, or forgets it
// when its writer is gone (committed or aborted). Move-only.
class UploadLease {
 public:
  UploadLease(UploadLease&& other) noexcept;
  UploadLease& operator=(UploadLease&&) = delete;
  UploadLease(const UploadLease&) = delete;
  ~UploadLease();
  Upload* operator->() const { return upload_.get(); }
  Upload& operator*() const { return *upload_; }

 private:
  friend class UploadTable;
  UploadLease(UploadTable* table, std::shared_ptr<Upload> upload)
      : table_(table), upload_(std::move(upload)) {}
  UploadTable* table_;
  std::shared_ptr<Upload> upload_;
};

class UploadTable {
 public:
  // `blobs` and `clock` must outlive the table.
  UploadTable(store::BlobStore& blobs, const Clock& clock,
              std::chrono::milliseconds idle_limit = std::chrono::hours(1));

  // Starts a session for (ns, repo), leased to the caller.
  Result<UploadLease, CoreError> Start(const Scope& ns, const std::string& repo);
  // Leases session `id` of (ns, repo), resuming it from disk when this process has not seen
  // it. kUploadUnknown when there is no such live session (or it belongs to another
  // repository); kRangeInvalid when another request holds it.
  Result<UploadLease, CoreError> Acquire(const Scope& ns, const std::string& repo,
                                         const std::string& id);
  // Discards the leased session's data (cancel, failed monolithic upload); the lease then
  // forgets it.
  static void Abort(UploadLease& lease);
  // Number of sessions in memory (tests).
  size_t size();

 private:
  friend class UploadLease;
  void Release(const std::shared_ptr<Upload>& upload);
  // Drops idle sessions (memory and disk). Caller holds mu_.
  void ExpireLocked(int64_t now_ms);

  store::BlobStore& blobs_;
  const Clock& clock_;
  int64_t idle_limit_ms_;
  int64_t next_disk_sweep_ms_ = 0;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Upload>> uploads_;
};

}  // namespace nimbus::ecr
