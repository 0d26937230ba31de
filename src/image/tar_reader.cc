#include "image/tar_reader.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace nimbus::image {
namespace {

constexpr size_t kBlock = 512;
constexpr uint64_t kMaxMetaSize = 1 << 20;  // pax headers and GNU long names

Status Bad(const std::string& why) { return Status::Corruption("tar: " + why); }

// A NUL-terminated field of at most `n` bytes.
std::string Field(const char* p, size_t n) { return std::string(p, strnlen(p, n)); }

// Octal (spaces and NULs around it) or base-256 (high bit of the first byte set).
bool Number(const char* p, size_t n, uint64_t& out) {
  out = 0;
  auto u = reinterpret_cast<const unsigned char*>(p);
  if (u[0] & 0x80) {
    if (u[0] & 0x40) return false;  // negative
    uint64_t v = u[0] & 0x3f;
    for (size_t i = 1; i < n; ++i) {
      if (v >> 56) return false;
      v = (v << 8) | u[i];
    }
    out = v;
    return true;
  }
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\0')) ++i;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (out >> 60) return false;
    out = out * 8 + static_cast<uint64_t>(p[i] - '0');
  }
  for (; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\0') return false;
  }
  return true;  // an all-blank field is 0
}

bool ChecksumOk(const char* h) {
  uint64_t stored;
  if (!Number(h + 148, 8, stored)) return false;
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  }
  return sum == stored;
}

// "len key=value\n" records.
Result<std::map<std::string, std::string>> ParsePax(const std::string& data) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t space = data.find(' ', pos);
    if (space == std::string::npos) return Bad("bad pax record");
    uint64_t len = 0;
    for (size_t i = pos; i < space; ++i) {
      if (data[i] < '0' || data[i] > '9' || len > data.size()) return Bad("bad pax record length");
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
    }
    if (len == 0 || pos + len > data.size() || data[pos + len - 1] != '\n')
      return Bad("bad pax record length");
    std::string record = data.substr(space + 1, pos + len - 1 - (space + 1));
    size_t eq = record.find('=');
    if (eq == std::string::npos) return Bad("bad pax record");
    out[record.substr(0, eq)] = record.substr(eq + 1);
    pos += len;
  }
  return out;
}

bool ParseDecimal(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

Status TarReader::ReadExact(char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    auto r = read_(buf + got, n - got);
    if (!r.ok()) return r.error();
    if (*r == 0) return Bad("unexpected end of archive");
    got += *r;
  }
  return Status::Ok();
}

Status TarReader::Skip(uint64_t n) {
  char buf[8192];
  while (n > 0) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(n, sizeof(buf)));
    Status st = ReadExact(buf, chunk);
    if (!st.ok()) return st;
    n -= chunk;
  }
  return Status::Ok();
}

Result<std::string> TarReader::ReadPayload(uint64_t size) {
  if (size > kMaxMetaSize) return Bad("extended header larger than 1 MiB");
  std::string data(size, '\0');
  Status st = ReadExact(data.data(), data.size());
  if (!st.ok()) return st;
  st = Skip((kBlock - size % kBlock) % kBlock);
  if (!st.ok()) return st;
  return data;
}

Result<size_t> TarReader::ReadData(char* buf, size_t n) {
  if (remaining_ == 0) return size_t{0};
  size_t want = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
  auto r = read_(buf, want);
  if (!r.ok()) return r.error();
  if (*r == 0) return Bad("unexpected end of archive in file data");
  remaining_ -= *r;
  return *r;
}

Result<std::optional<TarEntry>> TarReader::Next() {
  Status st = Skip(remaining_ + padding_);
  if (!st.ok()) return st;
  remaining_ = padding_ = 0;
  std::map<std::string, std::string> pax;
  std::string long_name, long_link;
  char h[kBlock];
  while (true) {
    // A clean end of the stream before a header counts as the end of the archive.
    size_t got = 0;
    while (got < kBlock) {
      auto r = read_(h + got, kBlock - got);
      if (!r.ok()) return r.error();
      if (*r == 0) break;
      got += *r;
    }
    if (got == 0) return std::optional<TarEntry>();
    if (got < kBlock) return Bad("unexpected end of archive in a header");
    if (std::all_of(h, h + kBlock, [](char c) { return c == 0; })) return std::optional<TarEntry>();
    if (!ChecksumOk(h)) return Bad("header checksum mismatch");
    uint64_t size;
    if (!Number(h + 124, 12, size)) return Bad("bad size field");
    char type = h[156];
    if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
      auto data = ReadPayload(size);
      if (!data.ok()) return data.error();
      if (type == 'x') {
        auto records = ParsePax(*data);
        if (!records.ok()) return records.error();
        for (auto& [k, v] : *records) pax[k] = v;
      } else if (type == 'L') {
        long_name = std::string(data->c_str());
      } else if (type == 'K') {
        long_link = std::string(data->c_str());
      }  // 'g': global headers carry nothing a layer needs
      continue;
    }
    TarEntry e;
    switch (type) {
      case '0':
      case '\0':
      case '7':
        e.type = TarEntry::Type::kFile;
        break;
      case '1':
        e.type = TarEntry::Type::kHardLink;
        break;
      case '2':
        e.type = TarEntry::Type::kSymlink;
        break;
      case '3':
        e.type = TarEntry::Type::kChar;
        break;
      case '4':
        e.type = TarEntry::Type::kBlock;
        break;
      case '5':
        e.type = TarEntry::Type::kDir;
        break;
      case '6':
        e.type = TarEntry::Type::kFifo;
        break;
      default:
        return Bad(std::string("unsupported entry type '") +
                   (type >= 32 && type < 127 ? type : '?') + "'");
    }
    std::string name = Field(h, 100);
    std::string prefix;
    if (std::memcmp(h + 257, "ustar", 5) == 0 && std::memcmp(h + 257, "ustar  ", 8) != 0) {
      prefix = Field(h + 345, 155);  // POSIX ustar; the old GNU format has no prefix
    }
    e.path = !long_name.empty() ? long_name : (prefix.empty() ? name : prefix + "/" + name);
    e.linkname = !long_link.empty() ? long_link : Field(h + 157, 100);
    uint64_t mode, uid, gid, mtime, major, minor;
    if (!Number(h + 100, 8, mode) || !Number(h + 108, 8, uid) || !Number(h + 116, 8, gid) ||
        !Number(h + 136, 12, mtime) || !Number(h + 329, 8, major) || !Number(h + 337, 8, minor))
      return Bad("bad numeric field in header of " + e.path);
    e.mode = static_cast<uint32_t>(mode & 07777);
    e.uid = uid;
    e.gid = gid;
    e.mtime = static_cast<int64_t>(mtime);
    e.devmajor = static_cast<uint32_t>(major);
    e.devminor = static_cast<uint32_t>(minor);
    for (auto& [k, v] : pax) {
      uint64_t n;
      if (k == "path") {
        e.path = v;
      } else if (k == "linkpath") {
        e.linkname = v;
      } else if (k == "size" || k == "uid" || k == "gid") {
        if (!ParseDecimal(v, n)) return Bad("bad pax " + k + " \"" + v + "\"");
        (k == "size" ? size : k == "uid" ? e.uid : e.gid) = n;
      } else if (k == "mtime") {
        std::string whole = v.substr(0, v.find('.'));
        if (ParseDecimal(whole, n)) e.mtime = static_cast<int64_t>(n);
      } else if (k.starts_with("SCHILY.xattr.")) {
        e.xattrs.emplace_back(k.substr(13), v);
      } else if (k.starts_with("GNU.sparse.")) {
        return Bad("GNU sparse files are not supported");
      }
    }
    if (e.type == TarEntry::Type::kFile) {
      e.size = size;
      remaining_ = size;
      padding_ = (kBlock - size % kBlock) % kBlock;
    } else if (size > 0) {
      // Hard links and the like may carry (ignored) data in some writers: skip it.
      remaining_ = 0;
      padding_ = size + (kBlock - size % kBlock) % kBlock;
    }
    if (e.path.empty()) return Bad("entry without a name");
    return std::optional<TarEntry>(std::move(e));
  }
}

}  // namespace nimbus::image
