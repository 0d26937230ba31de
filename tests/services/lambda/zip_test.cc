#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "services/lambda/control/code_store.h"
#include "services/lambda/control/zip_reader.h"
#include "store/blob_store.h"
#include "test_util.h"
#include "zip_builder.h"

namespace nimbus::lambda {
namespace {

using testing::TempDir;
using testing::ZipBuilder;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ZipReader, ReadsStoredAndDeflatedEntries) {
  std::string big(100000, 'z');
  std::string zip = ZipBuilder().Add("a.txt", "hello").Add("b.txt", big, 0100644, true).Build();
  auto r = ZipReader::Open(zip);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->entries().size(), 2u);
  EXPECT_EQ(*r->Read(r->entries()[0]), "hello");
  EXPECT_EQ(*r->Read(r->entries()[1]), big);
  EXPECT_EQ(r->total_uncompressed(), 100005u);
}

TEST(ZipReader, RejectsGarbageTruncationAndBadCrc) {
  EXPECT_FALSE(ZipReader::Open("not a zip at all, just text").ok());
  std::string zip = ZipBuilder().Add("a.txt", "hello").Build();
  EXPECT_FALSE(ZipReader::Open(zip.substr(0, zip.size() - 5)).ok());
  std::string corrupt = zip;
  corrupt[30 + 5] = 'X';  // first data byte of a.txt
  auto r = ZipReader::Open(corrupt);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->Read(r->entries()[0]).ok());
}

TEST(ZipReader, RefusesADeclaredSizeDeflateCannotReach) {
  // 100 KB of one byte deflates to ~100 bytes; the central directory then claims 2 GB. The lie
  // is refused before the reader allocates for it (it used to resize its output to 2 GB).
  std::string zip = ZipBuilder().Add("big", std::string(100000, 'z'), 0100644, true).Build();
  size_t central = zip.find("PK\x01\x02");
  ASSERT_NE(central, std::string::npos);
  const char declared[4] = {0, 0, 0, static_cast<char>(0x80)};  // uncompressed size 2^31
  zip.replace(central + 24, 4, declared, 4);
  auto r = ZipReader::Open(zip);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto read = r->Read(r->entries()[0]);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), StatusCode::kCorruption) << read.error().ToString();
  EXPECT_NE(read.error().message().find("declares more than its data can inflate to"),
            std::string::npos);
}

TEST(ZipReader, SafeRelativePath) {
  EXPECT_EQ(*SafeRelativePath("a/./b//c"), "a/b/c");
  EXPECT_EQ(*SafeRelativePath("dir\\file"), "dir/file");
  EXPECT_FALSE(SafeRelativePath("/etc/passwd").ok());
  EXPECT_FALSE(SafeRelativePath("../x").ok());
  EXPECT_FALSE(SafeRelativePath("a/../../x").ok());
  EXPECT_FALSE(SafeRelativePath("C:/x").ok());
  EXPECT_FALSE(SafeRelativePath("./").ok());
}

TEST(Extract, KeepsExecutableBitAndMakesTreeReadOnly) {
  TempDir tmp;
  std::string zip = ZipBuilder()
                        .Add("bootstrap", "#!/bin/sh\n", 0100755)
                        .Add("lib/", "", 040755)
                        .Add("lib/data.txt", "d", 0100644, true)
                        .Add("link", "lib/data.txt", 0120777)
                        .Build();
  std::string dest = tmp.path() + "/out";
  ASSERT_TRUE(ExtractZip(zip, dest).ok());
  struct stat st;
  ASSERT_EQ(::stat((dest + "/bootstrap").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0555u);
  ASSERT_EQ(::stat((dest + "/lib/data.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
  ASSERT_EQ(::stat((dest + "/lib").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0555u);
  EXPECT_EQ(ReadFile(dest + "/link"), "d");
  RemoveTree(dest);
  EXPECT_NE(::access(dest.c_str(), F_OK), 0);
}

TEST(Extract, RejectsEscapesAndLeavesNothing) {
  TempDir tmp;
  struct Case {
    const char* what;
    std::string zip;
  } cases[] = {
      {"dotdot", ZipBuilder().Add("../evil", "x").Build()},
      {"absolute", ZipBuilder().Add("/tmp/evil", "x").Build()},
      {"symlink out", ZipBuilder().Add("l", "../../etc/passwd", 0120777).Build()},
      {"absolute symlink", ZipBuilder().Add("l", "/etc/passwd", 0120777).Build()},
      {"write through symlink", ZipBuilder().Add("d", ".", 0120777).Add("d/x", "x").Build()},
      {"chained symlinks", ZipBuilder()
                               .Add("a/", "", 040755)
                               .Add("a/b", "..", 0120777)
                               .Add("a/x", "b/..", 0120777)
                               .Build()},
  };
  for (const Case& c : cases) {
    std::string dest = tmp.path() + "/" + c.what;
    Status st = ExtractZip(c.zip, dest);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.what << ": " << st.ToString();
    EXPECT_NE(::access(dest.c_str(), F_OK), 0) << c.what;
  }
}

TEST(Extract, ZipBombIsCappedByDeclaredAndActualSize) {
  TempDir tmp;
  std::string zip = ZipBuilder().Add("big", std::string(1 << 20, '\0'), 0100644, true).Build();
  Status st = ExtractZip(zip, tmp.path() + "/bomb", /*max_unzipped=*/1000);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
}

TEST(CodeStore, IngestStoresBlobAndReextractsLazily) {
  TempDir tmp;
  auto blobs = store::BlobStore::Open(tmp.path());
  ASSERT_TRUE(blobs.ok());
  CodeStore code(**blobs, tmp.path());
  std::string zip = ZipBuilder().Add("bootstrap", "#!/bin/sh\n", 0100755).Build();
  auto info = code.Ingest(zip);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, zip.size());
  EXPECT_EQ(info->sha256_base64.size(), 44u);
  EXPECT_TRUE((*blobs)->Has(info->hex));
  std::string dir = code.DirFor(info->hex);
  RemoveTree(dir);
  auto again = code.EnsureExtracted(info->hex);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ReadFile(dir + "/bootstrap"), "#!/bin/sh\n");
  auto bad = code.Ingest("PK not really");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "InvalidParameterValueException");
}

}  // namespace
}  // namespace nimbus::lambda
