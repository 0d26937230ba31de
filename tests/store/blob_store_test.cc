#include "store/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "temp_dir.h"

namespace nimbus::store {
namespace {

using testing::TempDir;

// sha256("hello world")
constexpr char kHelloDigest[] =
    "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++n;
  }
  ::closedir(d);
  return n;
}

TEST(BlobStore, PutGetHasSizePathRemove) {
  TempDir tmp;
  auto bs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(bs.ok());
  BlobStore& b = **bs;
  auto d = b.Put("hello world");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, kHelloDigest);
  EXPECT_TRUE(b.Has(kHelloDigest));
  EXPECT_TRUE(b.Has(std::string(kHelloDigest).substr(7)));  // bare hex accepted
  EXPECT_EQ(*b.Size(kHelloDigest), 11u);
  EXPECT_EQ(*b.Path(kHelloDigest),
            tmp.path() + "/blobs/sha256/b9/" + std::string(kHelloDigest).substr(7));
  EXPECT_EQ(*b.Read(kHelloDigest, /*verify=*/true), "hello world");
  EXPECT_EQ(CountFiles(tmp.path() + "/blobs/tmp"), 0u);
  // Same content again: idempotent.
  EXPECT_EQ(*b.Put("hello world", kHelloDigest), kHelloDigest);
  ASSERT_TRUE(b.Remove(kHelloDigest).ok());
  EXPECT_FALSE(b.Has(kHelloDigest));
  EXPECT_EQ(b.Read(kHelloDigest).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(b.Remove(kHelloDigest).code(), StatusCode::kNotFound);
}

TEST(BlobStore, DigestMismatchStoresNothing) {
  TempDir tmp;
  auto bs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(bs.ok());
  std::string wrong = "sha256:" + std::string(64, '0');
  auto d = (*bs)->Put("hello world", wrong);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.error().message().find("digest mismatch"), std::string::npos);
  EXPECT_FALSE((*bs)->Has(kHelloDigest));
  EXPECT_FALSE((*bs)->Has(wrong));
  EXPECT_EQ(CountFiles(tmp.path() + "/blobs/tmp"), 0u);
}

TEST(BlobStore, InvalidDigestsAreRejected) {
  TempDir tmp;
  auto bs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(bs.ok());
  for (std::string bad :
       std::vector<std::string>{"", "sha256:", "sha256:../../etc/passwd", "md5:abc",
                                "sha256:" + std::string(64, 'A'), std::string(63, 'a')}) {
    EXPECT_FALSE((*bs)->Has(bad)) << bad;
    EXPECT_EQ((*bs)->Path(bad).error().code(), StatusCode::kInvalidArgument) << bad;
    if (bad.empty()) continue;  // an empty expected digest means "no expectation"
    auto put = (*bs)->Put("x", bad);
    ASSERT_FALSE(put.ok()) << bad;
    EXPECT_EQ(put.error().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(BlobStore, StreamingWriterCommitAndAbort) {
  TempDir tmp;
  auto bs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(bs.ok());
  auto w = (*bs)->NewWriter();
  ASSERT_TRUE(w.ok());
  std::string chunk(1 << 16, 'z');
  std::string all;
  for (int i = 0; i < 64; ++i) {  // 4 MiB in 64 KiB chunks
    chunk[0] = static_cast<char>('a' + i % 26);
    ASSERT_TRUE((*w)->Append(chunk).ok());
    all += chunk;
  }
  EXPECT_EQ((*w)->size(), all.size());
  auto d = (*w)->Commit();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*(*bs)->Read(*d, true), all);
  EXPECT_FALSE((*w)->Append("more").ok());  // finished

  auto aborted = (*bs)->NewWriter();
  ASSERT_TRUE(aborted.ok());
  ASSERT_TRUE((*aborted)->Append("partial").ok());
  EXPECT_EQ(CountFiles(tmp.path() + "/blobs/tmp"), 1u);
  (*aborted)->Abort();
  EXPECT_EQ(CountFiles(tmp.path() + "/blobs/tmp"), 0u);
  EXPECT_FALSE((*aborted)->Commit().ok());

  {
    auto dropped = (*bs)->NewWriter();
    ASSERT_TRUE(dropped.ok());
    ASSERT_TRUE((*dropped)->Append("dropped without commit").ok());
  }
  EXPECT_EQ(CountFiles(tmp.path() + "/blobs/tmp"), 0u);
}

TEST(BlobStore, ReadVerifyDetectsCorruption) {
  TempDir tmp;
  auto bs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(bs.ok());
  auto d = (*bs)->Put("hello world");
  ASSERT_TRUE(d.ok());
  std::string path = *(*bs)->Path(*d);
  ::chmod(path.c_str(), 0600);
  std::ofstream(path, std::ios::trunc) << "tampered";
  EXPECT_EQ((*bs)->Read(*d, true).error().code(), StatusCode::kCorruption);
}

TEST(BlobStore, OpenRemovesStaleTempFiles) {
  TempDir tmp;
  { ASSERT_TRUE(BlobStore::Open(tmp.path()).ok()); }
  std::string tmpdir = tmp.path() + "/blobs/tmp";
  // A writer of a dead process (pid far above pid_max) and junk are removed; ours are kept.
  std::ofstream(tmpdir + "/999999999-1.tmp") << "stale";
  std::ofstream(tmpdir + "/junk") << "junk";
  std::string mine = tmpdir + "/" + std::to_string(::getpid()) + "-77.tmp";
  std::ofstream(mine) << "in progress";
  ASSERT_TRUE(BlobStore::Open(tmp.path()).ok());
  EXPECT_EQ(CountFiles(tmpdir), 1u);
  EXPECT_EQ(::access(mine.c_str(), F_OK), 0);
}

TEST(BlobStore, Sha512DigestsNameTheirOwnBlobs) {
  TempDir tmp;
  auto bs = BlobStore::Open(tmp.path());
  ASSERT_TRUE(bs.ok());
  BlobStore& b = **bs;
  const std::string sha512 =
      "sha512:309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff4996"
      "70da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f";
  EXPECT_FALSE(b.Has(sha512));
  EXPECT_EQ(b.Size(sha512).error().code(), StatusCode::kNotFound);
  auto d = b.Put("hello world", sha512);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(*d, sha512);
  EXPECT_TRUE(b.Has(sha512));
  EXPECT_FALSE(b.Has(kHelloDigest));  // stored under the algorithm it was committed with
  EXPECT_EQ(*b.Size(sha512), 11u);
  EXPECT_EQ(*b.Read(sha512, /*verify=*/true), "hello world");
  EXPECT_NE(b.Path(sha512)->find("/blobs/sha512/30/"), std::string::npos);
  // A mismatch is refused and leaves nothing behind, through a resumable upload too.
  auto bad = b.Put("hello there", sha512);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  auto up = b.CreateUpload("u512", "label");
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE((*up)->Append("hello ").ok());
  up->reset();
  std::string label;
  auto resumed = b.ResumeUpload("u512", label);
  ASSERT_TRUE(resumed.ok());
  ASSERT_TRUE((*resumed)->Append("world").ok());
  EXPECT_EQ(*(*resumed)->Commit(sha512), sha512);
  EXPECT_TRUE(b.Remove(sha512).ok());
  EXPECT_FALSE(b.Has(sha512));
  EXPECT_FALSE(b.Has("sha512:abc"));
  EXPECT_EQ(b.Put("x", "sha384:" + std::string(96, 'a')).error().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nimbus::store
