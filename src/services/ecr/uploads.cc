#include "services/ecr/uploads.h"

#include <vector>

#include "core/ids.h"

namespace nimbus::ecr {

Result<std::shared_ptr<Upload>> UploadTable::Start(const Ns& ns, const std::string& repo) {
  auto writer = blobs_.NewWriter();
  if (!writer.ok()) return writer.error();
  auto upload = std::make_shared<Upload>();
  upload->id = NewUuid();
  upload->ns = ns;
  upload->repo = repo;
  upload->writer = std::move(*writer);
  upload->last_used_ms = clock_.NowMillis();
  std::lock_guard lock(mu_);
  ExpireLocked(upload->last_used_ms);
  uploads_[upload->id] = upload;
  return upload;
}

std::shared_ptr<Upload> UploadTable::Find(const Ns& ns, const std::string& repo,
                                          const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(id);
  if (it == uploads_.end()) return nullptr;
  const auto& u = it->second;
  if (u->ns.account != ns.account || u->ns.region != ns.region || u->repo != repo) return nullptr;
  u->last_used_ms = clock_.NowMillis();
  return u;
}

void UploadTable::Remove(const std::string& id) {
  std::shared_ptr<Upload> upload;
  {
    std::lock_guard lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return;
    upload = std::move(it->second);
    uploads_.erase(it);
  }
  std::lock_guard lock(upload->mu);
  if (upload->writer) upload->writer->Abort();
  upload->writer.reset();
}

size_t UploadTable::size() {
  std::lock_guard lock(mu_);
  return uploads_.size();
}

void UploadTable::ExpireLocked(int64_t now_ms) {
  std::vector<std::shared_ptr<Upload>> stale;
  for (auto it = uploads_.begin(); it != uploads_.end();) {
    if (now_ms - it->second->last_used_ms > idle_limit_ms_) {
      stale.push_back(std::move(it->second));
      it = uploads_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& u : stale) {
    std::unique_lock lock(u->mu, std::try_to_lock);  // in use right now: its owner finishes it
    if (lock.owns_lock() && u->writer) {
      u->writer->Abort();
      u->writer.reset();
    }
  }
}

}  // namespace nimbus::ecr
