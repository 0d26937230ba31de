#include "services/ecr/uploads.h"

#include <vector>

#include "core/ids.h"

namespace nimbus::ecr {
namespace {

// The label kept beside an upload's data: "<account>\n<region>\n<repository>".
std::string Label(const Scope& ns, const std::string& repo) {
  return ns.account + "\n" + ns.region + "\n" + repo;
}

bool ParseLabel(const std::string& label, Scope& ns, std::string& repo) {
  size_t a = label.find('\n');
  size_t b = a == std::string::npos ? a : label.find('\n', a + 1);
  if (b == std::string::npos) return false;
  ns.account = label.substr(0, a);
  ns.region = label.substr(a + 1, b - a - 1);
  repo = label.substr(b + 1);
  return true;
}

CoreError Unknown(const std::string& id) {
  return {Err::kUploadUnknown, "upload " + id + " is unknown"};
}

}  // namespace

UploadLease::UploadLease(UploadLease&& other) noexcept
    : table_(other.table_), upload_(std::move(other.upload_)) {}

UploadLease::~UploadLease() {
  if (upload_) table_->Release(upload_);
}

UploadTable::UploadTable(store::BlobStore& blobs, const Clock& clock,
                         std::chrono::milliseconds idle_limit)
    : blobs_(blobs), clock_(clock), idle_limit_ms_(idle_limit.count()) {
  // Uploads an earlier run left (a client that never came back, one killed mid-push) expire
  // now, not only once some later upload starts.
  std::lock_guard lock(mu_);
  ExpireLocked(clock_.NowMillis());
  next_disk_sweep_ms_ = 0;  // and again at the first upload activity
}

Result<UploadLease, CoreError> UploadTable::Start(const Scope& ns, const std::string& repo) {
  auto upload = std::make_shared<Upload>();
  upload->id = NewUuid();
  upload->ns = ns;
  upload->repo = repo;
  auto writer = blobs_.CreateUpload(upload->id, Label(ns, repo));
  if (!writer.ok()) return CoreError{Err::kInternal, writer.error().ToString()};
  upload->writer = std::move(*writer);
  upload->busy = true;
  std::lock_guard lock(mu_);
  upload->last_used_ms = clock_.NowMillis();
  ExpireLocked(upload->last_used_ms);
  uploads_[upload->id] = upload;
  return UploadLease(this, upload);
}

Result<UploadLease, CoreError> UploadTable::Acquire(const Scope& ns, const std::string& repo,
                                                    const std::string& id) {
  auto mine = [&](const Upload& u) {
    return u.ns.account == ns.account && u.ns.region == ns.region && u.repo == repo;
  };
  {
    std::lock_guard lock(mu_);
    ExpireLocked(clock_.NowMillis());  // an expired session is unknown, as on ECR
    auto it = uploads_.find(id);
    if (it != uploads_.end()) {
      const auto& u = it->second;
      if (!mine(*u)) return Unknown(id);
      if (u->busy) {
        return CoreError{Err::kRangeInvalid, "upload " + id + " is busy with another request"};
      }
      u->busy = true;
      u->last_used_ms = clock_.NowMillis();
      return UploadLease(this, u);
    }
  }
  // Not in memory: an upload of an earlier run (or an unknown id).
  std::string label;
  auto writer = blobs_.ResumeUpload(id, label);
  if (!writer.ok()) return Unknown(id);
  auto upload = std::make_shared<Upload>();
  upload->id = id;
  if (!ParseLabel(label, upload->ns, upload->repo) || !mine(*upload)) return Unknown(id);
  upload->writer = std::move(*writer);
  upload->busy = true;
  std::lock_guard lock(mu_);
  upload->last_used_ms = clock_.NowMillis();
  auto [it, inserted] = uploads_.emplace(id, upload);
  if (!inserted) {  // another request resumed it at the same time; `writer` just closes
    return CoreError{Err::kRangeInvalid, "upload " + id + " is busy with another request"};
  }
  return UploadLease(this, upload);
}

void UploadTable::Abort(UploadLease& lease) {
  if (lease->writer) lease->writer->Abort();
  lease->writer.reset();
}

void UploadTable::Release(const std::shared_ptr<Upload>& upload) {
  std::lock_guard lock(mu_);
  upload->busy = false;
  upload->last_used_ms = clock_.NowMillis();
  if (!upload->writer) uploads_.erase(upload->id);
}

size_t UploadTable::size() {
  std::lock_guard lock(mu_);
  return uploads_.size();
}

void UploadTable::ExpireLocked(int64_t now_ms) {
  std::vector<std::shared_ptr<Upload>> stale;
  for (auto it = uploads_.begin(); it != uploads_.end();) {
    if (!it->second->busy && now_ms - it->second->last_used_ms > idle_limit_ms_) {
      stale.push_back(std::move(it->second));
      it = uploads_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& u : stale) {
    if (u->writer) u->writer->Abort();
  }
  if (now_ms < next_disk_sweep_ms_) return;
  // Uploads of earlier runs nobody came back for. At most once a minute.
  next_disk_sweep_ms_ = now_ms + 60 * 1000;
  blobs_.RemoveStaleUploads(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(idle_limit_ms_)),
      [this](std::string_view id) { return uploads_.contains(std::string(id)); });
}

}  // namespace nimbus::ecr
