// The user an OCI image's process runs as (its config's "User", or a task definition's `user`),
// resolved as Docker resolves it against the image's own /etc/passwd and /etc/group. Pure apart
// from reading those two files from the layer directories; thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::sandbox {

struct ImageUser {
  uid_t uid = 0;
  gid_t gid = 0;
};

// `user` is "", "name", "uid", "name:group", "uid:gid" (or mixed). "" is root (0:0). A name
// must be in the image's passwd (a group name in its group), else InvalidArgument "unable to
// find user NAME: no matching entries in passwd file" (Docker's words); a numeric uid needs no
// entry, and without a group takes the entry's gid when there is one, else 0. `layers` are the
// unpacked layer directories, bottom first (the topmost that has a file wins).
Result<ImageUser> ResolveImageUser(const std::vector<std::string>& layers, std::string_view user);

}  // namespace nimbus::sandbox
