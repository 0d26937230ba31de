#include "image/layer_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "image/layer_unpacker.h"
#include "sandbox/fd.h"

namespace nimbus::image {
namespace fs = std::filesystem;

Result<std::unique_ptr<LayerStore>> LayerStore::Open(const std::string& root) {
  std::error_code ec;
  for (const char* sub : {"layers", "tmp"}) {
    fs::create_directories(root + "/" + sub, ec);
    if (ec)
      return Status::Internal("image cache: create " + root + "/" + sub + ": " + ec.message());
    ::chmod((root + "/" + sub).c_str(), 0700);
  }
  // Unpacks a killed nimbus left half-done. remove_all does not follow symlinks.
  for (const auto& entry : fs::directory_iterator(root + "/tmp", ec)) {
    std::error_code rm;
    fs::remove_all(entry.path(), rm);
  }
  return std::unique_ptr<LayerStore>(new LayerStore(root));
}

uint64_t LayerStore::unpacks() const {
  std::lock_guard lock(mu_);
  return unpacks_;
}

Result<std::string> LayerStore::Get(const std::string& diff_id, uid_t id_offset,
                                    const std::function<Result<std::string>()>& blob_path) {
  if (!diff_id.starts_with("sha256:") || diff_id.size() != 71)
    return Status::Corruption("image: bad diff id " + diff_id);
  std::string dir = root_ + "/layers/" + diff_id.substr(7) + "-" + std::to_string(id_offset);
  std::shared_ptr<Flight> flight;
  {
    std::unique_lock lock(mu_);
    if (auto it = flights_.find(dir); it != flights_.end()) {
      // Ready, or being unpacked: wait for that attempt and share its outcome (a failed one is
      // forgotten by its owner, so a later Get tries again).
      flight = it->second;
      cv_.wait(lock, [&] { return flight->done; });
      if (flight->status.ok()) return dir;
      return flight->status;
    }
    flight = std::make_shared<Flight>();
    flights_[dir] = flight;
  }
  struct stat st;
  Result<std::string> result = dir;
  if (::stat(dir.c_str(), &st) != 0) result = Unpack(diff_id, id_offset, dir, blob_path);
  std::lock_guard lock(mu_);
  flight->done = true;
  flight->status = result.ok() ? Status::Ok() : result.error();
  if (!result.ok()) flights_.erase(dir);
  cv_.notify_all();
  return result;
}

Result<std::string> LayerStore::Unpack(const std::string& diff_id, uid_t id_offset,
                                       const std::string& dir,
                                       const std::function<Result<std::string>()>& blob_path) {
  auto blob = blob_path();
  if (!blob.ok()) return blob.error();
  std::string tmp;
  {
    std::lock_guard lock(mu_);
    tmp = root_ + "/tmp/" + std::to_string(::getpid()) + "-" + std::to_string(next_tmp_++);
    ++unpacks_;
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  bool chown = id_offset > 0 || ::geteuid() == 0;
  if (::mkdir(tmp.c_str(), 0755) != 0 || (chown && ::chown(tmp.c_str(), id_offset, id_offset) != 0))
    return Status::Internal("image cache: create " + tmp + ": " + std::strerror(errno));
  auto cleanup = [&] { fs::remove_all(tmp, ec); };
  auto unpacked = UnpackLayer(*blob, tmp, id_offset);
  if (!unpacked.ok()) {
    cleanup();
    return Status(unpacked.error().code(),
                  "failed to extract layer " + diff_id + ": " + unpacked.error().message());
  }
  if (unpacked->diff_id != diff_id) {
    cleanup();
    return Status::Corruption("failed to extract layer " + diff_id + ": diff id mismatch: got " +
                              unpacked->diff_id);
  }
  // Durable before it is published: a layer dir that exists is complete.
  sandbox::UniqueFd fd(::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) (void)::syncfs(fd.get());
  if (::rename(tmp.c_str(), dir.c_str()) != 0 && errno != EEXIST && errno != ENOTEMPTY) {
    Status st = Status::Internal("image cache: rename to " + dir + ": " + std::strerror(errno));
    cleanup();
    return st;
  }
  cleanup();  // another process won the rename: ours goes
  return dir;
}

}  // namespace nimbus::image
