// The process's open-descriptor limit, raised at start so that connections are bounded by the
// server's own cap (HttpServerOptions::max_connections) rather than by an inherited soft limit.
#pragma once

#include <cstddef>

namespace nimbus {

// Raises RLIMIT_NOFILE's soft limit to its hard limit. Returns the soft limit in force after
// (the old one when raising failed). Thread-safe; call once at start, before opening sockets.
size_t RaiseDescriptorLimit();

// The connection cap for a descriptor limit: what stays after a reserve for the store, blobs,
// sandboxes and their pipes (a quarter of the limit, at least 64).
size_t ConnectionCapFor(size_t descriptor_limit);

}  // namespace nimbus
