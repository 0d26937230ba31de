// Resumable uploads, Mark/Rewind and commit of content already stored.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/time.h>

#include <set>
#include <string>

#include "store/blob_store.h"
#include "store/sha256.h"
#include "temp_dir.h"

namespace nimbus::store {
namespace {

using testing::TempDir;

std::set<std::string> Files(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.insert(name);
  }
  ::closedir(d);
  return out;
}

std::string Digest(const std::string& data) { return "sha256:" + Sha256::Hex(data); }

class BlobUploads : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bs = BlobStore::Open(tmp_.path());
    ASSERT_TRUE(bs.ok());
    blobs_ = std::move(*bs);
  }
  std::string uploads_dir() const { return tmp_.path() + "/blobs/uploads"; }

  TempDir tmp_;
  std::unique_ptr<BlobStore> blobs_;
};

TEST(Sha256, IncrementalCopyAndOneShotAgree) {
  Sha256 a;
  a.Update("hello ");
  Sha256 b;
  b.CopyFrom(a);
  a.Update("world");
  b.Update("world");
  EXPECT_EQ(a.HexDigest(), Sha256::Hex("hello world"));
  EXPECT_EQ(b.HexDigest(), a.HexDigest());
  EXPECT_EQ(a.HexDigest(), a.HexDigest());  // reading the digest keeps the state
  EXPECT_EQ(Sha256::Hex("hello world"),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
}

TEST_F(BlobUploads, RewindUndoesAFailedChunk) {
  auto w = blobs_->NewWriter();
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("good ").ok());
  (*w)->Mark();
  ASSERT_TRUE((*w)->Append("half a chu").ok());
  ASSERT_TRUE((*w)->Rewind().ok());
  EXPECT_EQ((*w)->size(), 5u);
  ASSERT_TRUE((*w)->Append("data").ok());
  auto d = (*w)->Commit(Digest("good data"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(*blobs_->Read(*d, /*verify=*/true), "good data");
}

TEST_F(BlobUploads, ResumesAfterTheWriterAndTheStoreAreGone) {
  {
    auto w = blobs_->CreateUpload("u-1", "acct\nregion\nrepo");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("first half, ").ok());
  }  // writer closed, as at shutdown: the upload stays
  EXPECT_EQ(Files(uploads_dir()), (std::set<std::string>{"u-1", "u-1.label"}));
  auto reopened = BlobStore::Open(tmp_.path());  // a restart
  ASSERT_TRUE(reopened.ok());
  std::string label;
  auto w = (*reopened)->ResumeUpload("u-1", label);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_EQ(label, "acct\nregion\nrepo");
  EXPECT_EQ((*w)->size(), 12u);
  ASSERT_TRUE((*w)->Append("second half").ok());
  auto d = (*w)->Commit(Digest("first half, second half"));
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_TRUE(Files(uploads_dir()).empty());
  EXPECT_EQ(*(*reopened)->Read(*d, true), "first half, second half");
}

TEST_F(BlobUploads, RewindOnAResumedUploadReturnsToWhereItResumed) {
  { ASSERT_TRUE(blobs_->CreateUpload("u", "l").value()->Append("abc").ok()); }
  std::string label;
  auto w = blobs_->ResumeUpload("u", label);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("torn").ok());
  ASSERT_TRUE((*w)->Rewind().ok());
  ASSERT_TRUE((*w)->Append("def").ok());
  EXPECT_TRUE((*w)->Commit(Digest("abcdef")).ok());
}

TEST_F(BlobUploads, AbortAndDigestMismatchLeaveNothing) {
  auto w = blobs_->CreateUpload("gone", "l");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("data").ok());
  (*w)->Abort();
  auto m = blobs_->CreateUpload("mismatch", "l");
  ASSERT_TRUE((*m)->Append("data").ok());
  EXPECT_FALSE((*m)->Commit(Digest("other")).ok());
  EXPECT_TRUE(Files(uploads_dir()).empty());
  EXPECT_TRUE(Files(tmp_.path() + "/blobs/sha256").empty());
  std::string label;
  EXPECT_EQ(blobs_->ResumeUpload("gone", label).error().code(), StatusCode::kNotFound);
}

TEST_F(BlobUploads, IdsAreCheckedAndUnique) {
  EXPECT_EQ(blobs_->CreateUpload("../x", "l").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(blobs_->CreateUpload("", "l").error().code(), StatusCode::kInvalidArgument);
  auto w = blobs_->CreateUpload("same", "l");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(blobs_->CreateUpload("same", "l").error().code(), StatusCode::kAlreadyExists);
  std::string label;
  EXPECT_FALSE(blobs_->ResumeUpload("../../etc/passwd", label).ok());
}

TEST_F(BlobUploads, CommittingStoredContentAgainKeepsOneCopy) {
  auto first = blobs_->Put("same bytes");
  ASSERT_TRUE(first.ok());
  auto w = blobs_->CreateUpload("again", "l");
  ASSERT_TRUE((*w)->Append("same bytes").ok());
  auto second = (*w)->Commit(*first);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);
  EXPECT_TRUE(Files(uploads_dir()).empty());
  EXPECT_EQ(*blobs_->Read(*first, true), "same bytes");
}

TEST_F(BlobUploads, StaleUploadsAreRemovedUnlessInUse) {
  for (const char* id : {"old", "busy", "fresh"}) {
    auto w = blobs_->CreateUpload(id, "l");
    ASSERT_TRUE(w.ok());
  }
  struct timeval old[2] = {{1000, 0}, {1000, 0}};
  for (const char* name : {"old", "old.label", "busy", "busy.label", "fresh.label"}) {
    ASSERT_EQ(::utimes((uploads_dir() + "/" + name).c_str(), old), 0) << name;
  }
  size_t removed = blobs_->RemoveStaleUploads(std::chrono::hours(1),
                                              [](std::string_view id) { return id == "busy"; });
  EXPECT_EQ(removed, 1u);
  // "fresh" stays whole: its data was written recently even though its label is old.
  EXPECT_EQ(Files(uploads_dir()),
            (std::set<std::string>{"busy", "busy.label", "fresh", "fresh.label"}));
}

}  // namespace
}  // namespace nimbus::store
