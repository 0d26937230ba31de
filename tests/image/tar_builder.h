// Test helper: builds tar archives entry by entry (ustar headers, pax records for long names
// and xattrs, GNU long names), and compresses them with gzip or zstd, for the unpacker's tests.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "store/sha256.h"

namespace nimbus::image::testing {

// Header fields of one entry.
struct TarOpts {
  uint32_t mode = 0644;
  uint64_t uid = 0, gid = 0;
  uint32_t major = 0, minor = 0;
  std::map<std::string, std::string> xattrs;
  bool gnu_long_name = false;
};

class TarBuilder {
 public:
  using Opts = TarOpts;
  TarBuilder& File(const std::string& path, const std::string& data, Opts o = {}) {
    return Add('0', path, "", data, o);
  }
  TarBuilder& Dir(const std::string& path, Opts o = {}) {
    if (o.mode == 0644) o.mode = 0755;
    return Add('5', path, "", "", o);
  }
  TarBuilder& Symlink(const std::string& path, const std::string& target, Opts o = {}) {
    o.mode = 0777;
    return Add('2', path, target, "", o);
  }
  TarBuilder& HardLink(const std::string& path, const std::string& target, Opts o = {}) {
    return Add('1', path, target, "", o);
  }
  TarBuilder& Char(const std::string& path, uint32_t major, uint32_t minor) {
    Opts o;
    o.major = major;
    o.minor = minor;
    return Add('3', path, "", "", o);
  }
  TarBuilder& Fifo(const std::string& path) { return Add('6', path, "", "", {}); }

  // The archive with its two zero blocks.
  std::string Tar() const { return out_ + std::string(1024, '\0'); }
  std::string DiffId() const { return "sha256:" + store::Hasher::Hex(Tar()); }

 private:
  // `v` as n-1 octal digits and a NUL.
  static void Octal(char* p, size_t n, uint64_t v) {
    p[n - 1] = '\0';
    for (size_t i = n - 1; i-- > 0; v >>= 3) p[i] = static_cast<char>('0' + (v & 7));
  }
  void Header(char type, const std::string& name, const std::string& link, uint64_t size,
              const Opts& o) {
    char h[512] = {};
    std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
    Octal(h + 100, 8, o.mode);
    Octal(h + 108, 8, o.uid);
    Octal(h + 116, 8, o.gid);
    Octal(h + 124, 12, size);
    Octal(h + 136, 12, 1700000000);
    h[156] = type;
    std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
    std::memcpy(h + 257,
                "ustar\0"
                "00",
                8);
    Octal(h + 329, 8, o.major);
    Octal(h + 337, 8, o.minor);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    Octal(h + 148, 7, sum);
    out_.append(h, 512);
  }
  void Data(const std::string& data) {
    out_ += data;
    out_.append((512 - data.size() % 512) % 512, '\0');
  }
  static std::string Record(const std::string& key, const std::string& value) {
    std::string body = " " + key + "=" + value + "\n";
    size_t len = body.size() + 1;
    while (std::to_string(len).size() + body.size() != len) ++len;
    return std::to_string(len) + body;
  }
  TarBuilder& Add(char type, const std::string& path, const std::string& link,
                  const std::string& data, const Opts& o) {
    std::string pax;
    if (path.size() > 100 && !o.gnu_long_name) pax += Record("path", path);
    if (link.size() > 100) pax += Record("linkpath", link);
    for (const auto& [k, v] : o.xattrs) pax += Record("SCHILY.xattr." + k, v);
    if (o.gnu_long_name) {
      Header('L', "././@LongLink", "", path.size() + 1, {});
      Data(path + '\0');
    }
    if (!pax.empty()) {
      Header('x', "PaxHeader", "", pax.size(), {});
      Data(pax);
    }
    Header(type, path, link, data.size(), o);
    if (type == '0') Data(data);
    return *this;
  }
  std::string out_;
};

inline std::string Gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}

}  // namespace nimbus::image::testing
