// ResolveImageUser: passwd/group lookups in an image's layers.
#include "sandbox/image_user.h"

#include <charconv>
#include <optional>

#include "sandbox/fd.h"

namespace nimbus::sandbox {
namespace {

// The text of `rel` (e.g. "etc/passwd") from the topmost layer that has it; "" when none.
std::string ReadFromLayers(const std::vector<std::string>& layers, const std::string& rel) {
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    auto text = ReadFile(*it + "/" + rel);
    if (text.ok()) return *text;
  }
  return "";
}

std::optional<uint32_t> Number(std::string_view s) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Fields of the first line of a colon-separated database whose field `key_index` equals `key`.
std::vector<std::string_view> FindEntry(std::string_view db, size_t key_index,
                                        std::string_view key) {
  while (!db.empty()) {
    size_t nl = db.find('\n');
    std::string_view line = db.substr(0, nl);
    db = nl == std::string_view::npos ? std::string_view() : db.substr(nl + 1);
    std::vector<std::string_view> fields;
    for (size_t start = 0;;) {
      size_t colon = line.find(':', start);
      fields.push_back(line.substr(start, colon - start));
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
    if (fields.size() > key_index && fields[key_index] == key) return fields;
  }
  return {};
}

}  // namespace

Result<ImageUser> ResolveImageUser(const std::vector<std::string>& layers, std::string_view user) {
  ImageUser out;
  if (user.empty()) return out;
  size_t colon = user.find(':');
  std::string_view name = user.substr(0, colon);
  std::string_view group = colon == std::string_view::npos ? "" : user.substr(colon + 1);
  if (name.empty())
    return Status::InvalidArgument("user name or uid missing in \"" + std::string(user) + "\"");
  std::string passwd = ReadFromLayers(layers, "etc/passwd");
  std::optional<gid_t> entry_gid;
  if (auto numeric = Number(name)) {  // passwd: name:password:uid:gid:...
    out.uid = *numeric;
    auto entry = FindEntry(passwd, 2, name);
    if (entry.size() > 3) entry_gid = Number(entry[3]);
  } else {
    auto entry = FindEntry(passwd, 0, name);
    auto uid = entry.size() > 3 ? Number(entry[2]) : std::nullopt;
    if (!uid) {
      return Status::InvalidArgument("unable to find user " + std::string(name) +
                                     ": no matching entries in passwd file");
    }
    out.uid = *uid;
    entry_gid = Number(entry[3]);
  }
  if (group.empty()) {
    out.gid = entry_gid.value_or(0);
  } else if (auto numeric_gid = Number(group)) {
    out.gid = *numeric_gid;
  } else {  // group: name:password:gid:members
    auto entry = FindEntry(ReadFromLayers(layers, "etc/group"), 0, group);
    auto found = entry.size() > 2 ? Number(entry[2]) : std::nullopt;
    if (!found) {
      return Status::InvalidArgument("unable to find group " + std::string(group) +
                                     ": no matching entries in group file");
    }
    out.gid = *found;
  }
  return out;
}

}  // namespace nimbus::sandbox
