// Unpacks one image layer (a gzip, zstd or plain tar blob) into a directory that overlayfs can
// use as a lower layer of its own, as containerd's overlay snapshotter lays them out:
//   - whiteouts `.wh.<name>` become overlayfs whiteouts (a character device 0/0 named <name>),
//     an opaque marker `.wh..wh..opq` sets trusted.overlay.opaque=y on its directory; other
//     `.wh..wh.*` entries (aufs bookkeeping) are dropped;
//   - files, directories, symlinks, hard links (within the layer) and FIFOs keep their mode bits
//     (setuid, setgid and sticky included), mtime, and owner + `id_offset` (the user namespace
//     shift: ids above 65535 cannot be mapped and are refused when id_offset is set, as Docker's
//     userns-remap refuses them); user.* and security.capability xattrs are kept (file
//     capabilities rewritten for the namespace's root, as the kernel converts them), trusted.*
//     and others dropped (an image must not set overlayfs's own attributes);
//   - device nodes are skipped, as rootless Docker skips them (a container gets its /dev from
//     the runtime, never from its image);
//   - an entry that would land outside the directory is refused: absolute paths, `..`
//     components, and any path (or hard link target) through a symlink.
// Every file operation is relative to a directory fd with O_NOFOLLOW, so no symlink in the tree
// being built can redirect a write. Needs root (chown, mknod, trusted.* xattrs); unprivileged
// with id_offset 0 the files stay the caller's, and whiteouts fail.
// Thread-safe (no shared state); blocking.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/status.h"

namespace nimbus::image {

struct UnpackResult {
  std::string diff_id;  // "sha256:<hex>" of the whole uncompressed stream
  uint64_t entries = 0;
  uint64_t bytes = 0;  // uncompressed tar bytes
};

// Unpacks the blob file `blob_path` into `dir` (an existing, empty directory). Corruption
// "layer: ..." / "tar: ..." naming the entry for a bad or hostile archive; IoError for local
// file system failures (ENOSPC...). On failure `dir` holds a partial tree: the caller removes it.
Result<UnpackResult> UnpackLayer(const std::string& blob_path, const std::string& dir,
                                 uid_t id_offset);

}  // namespace nimbus::image
