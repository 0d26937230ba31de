// Disk-backed, size-limited /tmp volumes for sandboxes, as Lambda's /tmp: an ext4 file system of
// EphemeralStorage size on a loop device over a sparse file. Writes go through the page cache
// like any disk write (reclaimable under the memory limit, so filling /tmp is not an OOM) and
// end in ENOSPC when the volume is full.
//
// Making a volume costs 1-30 ms (copy of a pre-formatted template, loop attach, mount), so a
// background thread keeps a few volumes ready per size in use, more while launches come in
// bursts; Launch only attaches one at /tmp.
// A volume is a detached mount (fsmount): it never appears in nimbus's mount namespace, only in
// the sandbox's. Its backing file is unlinked once attached and its loop device clears itself
// when the file system goes away, so a volume lives exactly as long as its last reference (the
// sandbox's mount, a descriptor): nothing is left behind, even when nimbus is killed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "sandbox/fd.h"

namespace nimbus::sandbox {

// One volume. Move-only; closing both descriptors (with no sandbox attached) unmounts it.
struct ScratchVolume {
  UniqueFd mount;  // the detached mount (fsmount); move_mount attaches it in a sandbox
  UniqueFd root;   // its root directory (opened by Take): keeps the file system until Discard
};

struct ScratchPoolOptions {
  // Disk-backed directory for the templates and (briefly) the backing files (created).
  std::string dir;
  std::vector<uint32_t> warm_sizes_mb = {512};  // prepared right away
  // Ready volumes kept per size in use: `depth`, doubled (up to `max_depth`) each time a launch
  // finds none ready, and back down by one each time a launch finds more than `depth` ready.
  size_t depth = 2;
  size_t max_depth = 8;
  size_t max_sizes = 8;  // distinct sizes kept ready (least recent dropped)
};

// Thread-safe. Owns a background thread that refills the pool.
class ScratchPool {
 public:
  // Fails (Unavailable) without root, loop devices or mkfs.ext4; the caller then falls back to
  // a tmpfs /tmp. Removes what dead nimbus processes left in `dir`.
  static Result<std::unique_ptr<ScratchPool>> Create(ScratchPoolOptions options);
  ~ScratchPool();
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;

  // A mounted, empty volume of at least `size_mb` MiB usable space with mode 1777: a ready one
  // when the pool has it, else made on the spot. Either way the pool refills in the background.
  Result<ScratchVolume> Take(uint32_t size_mb);
  // Blocks until the background thread has nothing to make (tests count descriptors).
  void WaitIdle();

  // The sandbox is gone: throws away unwritten data (no write-back of garbage) and closes the
  // root, which unmounts the file system and frees the loop device and its file. May block
  // for the unmount (a few ms): call off the event loops.
  static void Discard(UniqueFd root);

 private:
  explicit ScratchPool(ScratchPoolOptions options) : options_(std::move(options)) {}
  Result<ScratchVolume> Make(uint32_t size_mb);
  Result<std::string> Template(uint32_t size_mb);
  void Refill();
  void Want(uint32_t size_mb);  // caller holds mu_
  uint32_t Missing();           // a size below its depth, or 0; caller holds mu_

  ScratchPoolOptions options_;
  std::string own_dir_;  // options_.dir/<OwnerTag()>-scratch: backing files until attached
  std::string mkfs_;
  std::mutex make_mu_;  // serializes template creation
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool making_ = false;  // the worker is making a volume
  bool failed_ = false;  // its last attempt failed
  uint64_t next_id_ = 0;
  uint64_t tick_ = 0;
  std::map<uint32_t, uint64_t> sizes_;  // size -> last use (tick), the sizes kept ready
  std::map<uint32_t, size_t> depth_;    // size -> ready volumes wanted now
  std::map<uint32_t, std::deque<ScratchVolume>> ready_;
  std::thread worker_;
};

}  // namespace nimbus::sandbox
