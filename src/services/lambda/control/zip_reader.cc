#include "services/lambda/control/zip_reader.h"

#include <zlib.h>

#include <algorithm>

namespace nimbus::lambda {
namespace {

constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr uint64_t kMaxEntries = 1'000'000;

uint16_t U16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) |
                               (static_cast<uint8_t>(s[at + 1]) << 8));
}
uint32_t U32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(U16(s, at)) | (static_cast<uint32_t>(U16(s, at + 2)) << 16);
}
uint64_t U64(std::string_view s, size_t at) {
  return static_cast<uint64_t>(U32(s, at)) | (static_cast<uint64_t>(U32(s, at + 4)) << 32);
}
bool Fits(std::string_view s, uint64_t at, uint64_t len) {
  return at <= s.size() && len <= s.size() - at;
}
Status Corrupt(const std::string& what) { return Status::Corruption("zip: " + what); }

}  // namespace

Result<ZipReader> ZipReader::Open(std::string_view archive) {
  ZipReader reader(archive);
  Status st = reader.ParseCentralDirectory();
  if (!st.ok()) return st;
  return reader;
}

Status ZipReader::ParseCentralDirectory() {
  const std::string_view s = archive_;
  if (s.size() < 22) return Corrupt("too short for an end of central directory record");
  // The end record is in the last 22 + 65535 bytes (its comment is at most 64 KiB).
  size_t lowest = s.size() > 22 + 65535 ? s.size() - 22 - 65535 : 0;
  size_t eocd = std::string_view::npos;
  for (size_t i = s.size() - 22 + 1; i-- > lowest;) {
    if (U32(s, i) == kEndSig && i + 22 + U16(s, i + 20) == s.size()) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string_view::npos) return Corrupt("no end of central directory record");
  uint64_t count = U16(s, eocd + 10);
  uint64_t cd_size = U32(s, eocd + 12);
  uint64_t cd_offset = U32(s, eocd + 16);
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    if (eocd < 20 || U32(s, eocd - 20) != kZip64LocatorSig) return Corrupt("no zip64 locator");
    uint64_t z64 = U64(s, eocd - 20 + 8);
    if (!Fits(s, z64, 56) || U32(s, z64) != kZip64EndSig) return Corrupt("bad zip64 end record");
    count = U64(s, z64 + 32);
    cd_size = U64(s, z64 + 40);
    cd_offset = U64(s, z64 + 48);
  }
  if (count > kMaxEntries) return Corrupt("too many entries");
  if (!Fits(s, cd_offset, cd_size)) return Corrupt("central directory out of bounds");
  entries_.reserve(count);
  uint64_t pos = cd_offset;
  const uint64_t end = cd_offset + cd_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (pos + 46 > end || U32(s, pos) != kCentralSig) return Corrupt("bad central header");
    ZipEntry e;
    uint16_t made_by = U16(s, pos + 4);
    uint16_t flags = U16(s, pos + 8);
    e.method = U16(s, pos + 10);
    e.crc32 = U32(s, pos + 16);
    e.compressed_size = U32(s, pos + 20);
    e.uncompressed_size = U32(s, pos + 24);
    uint16_t name_len = U16(s, pos + 28), extra_len = U16(s, pos + 30),
             comment_len = U16(s, pos + 32);
    uint32_t external = U32(s, pos + 38);
    e.local_header_offset = U32(s, pos + 42);
    e.encrypted = (flags & 1) != 0;
    if ((made_by >> 8) == 3) e.unix_mode = external >> 16;  // 3 = Unix
    uint64_t var = pos + 46;
    if (var + name_len + extra_len + comment_len > end) return Corrupt("central header overflow");
    e.name.assign(s.substr(var, name_len));
    // Zip64 extended information: present fields follow the order usize, csize, offset.
    std::string_view extra = s.substr(var + name_len, extra_len);
    for (size_t x = 0; x + 4 <= extra.size();) {
      uint16_t id = U16(extra, x), len = U16(extra, x + 2);
      if (x + 4 + len > extra.size()) break;
      if (id == 0x0001) {
        size_t f = x + 4, fend = x + 4 + len;
        auto take = [&](uint64_t& field) {
          if (f + 8 <= fend) {
            field = U64(extra, f);
            f += 8;
          }
        };
        if (e.uncompressed_size == 0xFFFFFFFF) take(e.uncompressed_size);
        if (e.compressed_size == 0xFFFFFFFF) take(e.compressed_size);
        if (e.local_header_offset == 0xFFFFFFFF) take(e.local_header_offset);
      }
      x += 4 + len;
    }
    if (!Fits(s, e.local_header_offset, 30)) return Corrupt("local header out of bounds");
    total_uncompressed_ += e.uncompressed_size;
    entries_.push_back(std::move(e));
    pos = var + name_len + extra_len + comment_len;
  }
  return Status::Ok();
}

Result<std::string> ZipReader::Read(const ZipEntry& e) const {
  const std::string_view s = archive_;
  if (e.encrypted) return Status::Unimplemented("zip: encrypted entry " + e.name);
  if (e.method != 0 && e.method != 8) {
    return Status::Unimplemented("zip: compression method " + std::to_string(e.method));
  }
  uint64_t at = e.local_header_offset;
  if (!Fits(s, at, 30) || U32(s, at) != kLocalSig) return Corrupt("bad local header");
  uint64_t data = at + 30 + U16(s, at + 26) + U16(s, at + 28);
  if (!Fits(s, data, e.compressed_size)) return Corrupt("entry data out of bounds");
  std::string_view in = s.substr(data, e.compressed_size);
  // Deflate expands at most 1032:1 (a 258-byte match per 2 bits): a larger declared size is a
  // lie, refused before anything is allocated for it.
  if (e.method == 8 && e.uncompressed_size > (e.compressed_size + 1) * kMaxDeflateRatio) {
    return Corrupt("entry " + e.name + " declares more than its data can inflate to");
  }
  std::string out;
  if (e.method == 0) {
    if (e.compressed_size != e.uncompressed_size) return Corrupt("stored size mismatch");
    out.assign(in);
  } else {
    out.resize(e.uncompressed_size);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return Status::Internal("zlib init failed");
    int rc = Z_OK;
    uint64_t consumed = 0, produced = 0;
    while (rc == Z_OK) {
      uInt in_chunk = static_cast<uInt>(std::min<uint64_t>(in.size() - consumed, 1u << 30));
      uInt out_chunk = static_cast<uInt>(std::min<uint64_t>(out.size() - produced, 1u << 30));
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + consumed));
      z.avail_in = in_chunk;
      z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      z.avail_out = out_chunk;
      rc = inflate(&z, Z_NO_FLUSH);
      consumed += in_chunk - z.avail_in;
      produced += out_chunk - z.avail_out;
      if (rc == Z_OK && z.avail_out == out_chunk && z.avail_in == in_chunk) break;  // no progress
      if (rc == Z_BUF_ERROR && produced == out.size()) {
        // Output full but stream not ended: larger than declared unless it ends right here.
        unsigned char probe;
        z.next_out = &probe;
        z.avail_out = 1;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_STREAM_END || z.avail_out == 0) rc = Z_DATA_ERROR;
      }
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != out.size()) {
      return Corrupt("entry " + e.name + " does not inflate to its declared size");
    }
  }
  uLong crc = ::crc32_z(0L, reinterpret_cast<const Bytef*>(out.data()), out.size());
  if (static_cast<uint32_t>(crc) != e.crc32) return Corrupt("CRC mismatch in " + e.name);
  return out;
}

Result<std::string> SafeRelativePath(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return Status::InvalidArgument("NUL in name");
  std::string n(name);
  std::replace(n.begin(), n.end(), '\\', '/');
  if (n.empty() || n[0] == '/') return Status::InvalidArgument("absolute path: " + n);
  if (n.size() >= 2 && n[1] == ':') return Status::InvalidArgument("drive letter: " + n);
  std::string out;
  size_t i = 0;
  while (i <= n.size()) {
    size_t j = n.find('/', i);
    if (j == std::string::npos) j = n.size();
    std::string_view part(n.data() + i, j - i);
    if (part == "..") return Status::InvalidArgument("path escapes the root: " + n);
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    i = j + 1;
  }
  if (out.empty()) return Status::InvalidArgument("empty path: " + n);
  return out;
}

}  // namespace nimbus::lambda
