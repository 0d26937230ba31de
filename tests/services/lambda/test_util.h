// Temporary directories for Lambda tests (removed recursively, read-only trees included).
#pragma once

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include <memory>

#include "services/lambda/control/code_store.h"
#include "store/blob_store.h"
#include "store/database.h"

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

// Opens the database and blob store LambdaControl tests keep in `dir` (ASSERTs on failure).
inline void OpenStores(const std::string& dir, std::unique_ptr<store::Database>& db,
                       std::unique_ptr<store::BlobStore>& blobs) {
  auto d = store::Database::Open(dir);
  ASSERT_TRUE(d.ok());
  db = std::move(*d);
  auto b = store::BlobStore::Open(dir);
  ASSERT_TRUE(b.ok());
  blobs = std::move(*b);
}

}  // namespace nimbus::lambda::testing
