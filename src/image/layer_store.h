// Unpacked layers, content-addressed by diff id and id offset (image_cache.h describes the
// layout), each unpacked at most once: concurrent Gets of one layer wait for a single unpack into
// tmp/, whose diff id is checked before the rename that publishes it. Thread-safe; blocking.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"

namespace nimbus::image {

class LayerStore {
 public:
  // Creates <root>/layers and <root>/tmp (0700) and removes what tmp/ holds (unpacks a killed
  // process left). Internal when the directories cannot be made.
  static Result<std::unique_ptr<LayerStore>> Open(const std::string& root);

  // The directory of the layer `diff_id` ("sha256:<hex>") unpacked for `id_offset`. When it is
  // not there yet, `blob_path()` names the layer blob to unpack (called at most once per Get,
  // only by the thread that unpacks). Corruption when the unpacked stream's diff id differs or
  // the archive is refused; errors of blob_path() as they are. A failed unpack leaves nothing
  // and a later Get tries again.
  Result<std::string> Get(const std::string& diff_id, uid_t id_offset,
                          const std::function<Result<std::string>()>& blob_path);

  // Unpacks run so far by this store (for tests and the bench).
  uint64_t unpacks() const;

 private:
  explicit LayerStore(std::string root) : root_(std::move(root)) {}
  struct Flight {
    bool done = false;
    Status status;
  };
  Result<std::string> Unpack(const std::string& diff_id, uid_t id_offset, const std::string& dir,
                             const std::function<Result<std::string>()>& blob_path);

  std::string root_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // key: final dir; ready ones kept
  uint64_t unpacks_ = 0;
  uint64_t next_tmp_ = 0;
};

}  // namespace nimbus::image
