// Temporary directories for Lambda tests (removed recursively, read-only trees included).
#pragma once

#include <cstdlib>
#include <string>

#include "services/lambda/control/code_store.h"

namespace nimbus::lambda::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/nimbus-lambda-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty()) RemoveTree(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace nimbus::lambda::testing
