// Test fixture for the image tests that unpack layers (root only: chown, mknod, trusted.*
// xattrs): a fresh directory removed afterwards, and blob files written into it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "store/temp_dir.h"

namespace nimbus::image::testing {

class RootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "unpacking layers needs root (chown, mknod, xattrs)";
    root_ = dir_.path();
  }
  // Writes `bytes` to a new file under the directory; returns its path.
  std::string Blob(const std::string& bytes) {
    std::string path = root_ + "/blob" + std::to_string(blobs_++);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  store::testing::TempDir dir_;
  std::string root_;
  int blobs_ = 0;
};

}  // namespace nimbus::image::testing
