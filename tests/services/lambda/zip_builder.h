// Builds small ZIP archives in memory for tests (stored or deflated entries, Unix modes,
// symlinks). Not for production use.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nimbus::lambda::testing {

class ZipBuilder {
 public:
  // Adds a file (mode 0100644 or 0100755 ...), a symlink (mode 0120777, data = target) or a
  // directory (name ending in '/').
  ZipBuilder& Add(std::string name, std::string data, uint32_t mode = 0100644,
                  bool deflate = false) {
    entries_.push_back({std::move(name), std::move(data), mode, deflate});
    return *this;
  }
  std::string Build() const {
    std::string out, central;
    for (const Entry& e : entries_) {
      uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), e.data.size());
      std::string stored = e.deflate ? Deflate(e.data) : e.data;
      uint32_t offset = static_cast<uint32_t>(out.size());
      Put32(out, 0x04034b50), Put16(out, 20), Put16(out, 0), Put16(out, e.deflate ? 8 : 0);
      Put32(out, 0), Put32(out, crc), Put32(out, stored.size()), Put32(out, e.data.size());
      Put16(out, e.name.size()), Put16(out, 0);
      out += e.name + stored;
      Put32(central, 0x02014b50), Put16(central, (3 << 8) | 20), Put16(central, 20);
      Put16(central, 0), Put16(central, e.deflate ? 8 : 0), Put32(central, 0);
      Put32(central, crc), Put32(central, stored.size()), Put32(central, e.data.size());
      Put16(central, e.name.size()), Put16(central, 0), Put16(central, 0), Put16(central, 0);
      Put16(central, 0), Put32(central, e.mode << 16), Put32(central, offset);
      central += e.name;
    }
    uint32_t cd_offset = static_cast<uint32_t>(out.size());
    out += central;
    Put32(out, 0x06054b50), Put16(out, 0), Put16(out, 0), Put16(out, entries_.size());
    Put16(out, entries_.size()), Put32(out, central.size()), Put32(out, cd_offset), Put16(out, 0);
    return out;
  }

 private:
  struct Entry {
    std::string name, data;
    uint32_t mode;
    bool deflate;
  };
  static void Put16(std::string& s, uint32_t v) {
    s += static_cast<char>(v & 0xff);
    s += static_cast<char>((v >> 8) & 0xff);
  }
  static void Put32(std::string& s, uint32_t v) {
    Put16(s, v & 0xffff);
    Put16(s, v >> 16);
  }
  static std::string Deflate(const std::string& in) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, in.size()), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = in.size();
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = out.size();
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
  }
  std::vector<Entry> entries_;
};

}  // namespace nimbus::lambda::testing
