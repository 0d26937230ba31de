// Helpers for sandbox tests: temporary directories.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace nimbus::sandbox::testing {

// A fresh directory under /tmp (mode 0755: sandboxed functions run as an unprivileged user),
// removed recursively on destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/nimbus-sbtest-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    std::filesystem::permissions(path_, std::filesystem::perms(0755));
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& rel, const std::string& text) const {
    std::string p = path_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }
  std::string Read(const std::string& rel) const { return ReadFile(path_ + "/" + rel); }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string path_;
};

}  // namespace nimbus::sandbox::testing
