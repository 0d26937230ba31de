#include "services/ecr/uploads.h"

#include <gtest/gtest.h>

#include "auth/crypto.h"
#include "store/temp_dir.h"

namespace nimbus::ecr {
namespace {

class UploadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto blobs = store::BlobStore::Open(dir_.path());
    ASSERT_TRUE(blobs.ok());
    blobs_ = std::move(*blobs);
    table_ = std::make_unique<UploadTable>(*blobs_, clock_);
  }

  // Starts a session holding `data` and returns its id (the lease ends here).
  std::string StartWith(const std::string& data) {
    auto lease = table_->Start(ns_, "repo");
    EXPECT_TRUE(lease.ok());
    EXPECT_TRUE((*lease)->writer->Append(data).ok());
    return (*lease)->id;
  }

  store::testing::TempDir dir_;
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<UploadTable> table_;
  Scope ns_{"000000000000", "us-east-1"};
};

TEST_F(UploadsTest, ALeaseIsExclusive) {
  auto first = table_->Start(ns_, "repo");
  ASSERT_TRUE(first.ok());
  std::string id = (*first)->id;
  auto second = table_->Acquire(ns_, "repo", id);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Err::kRangeInvalid);
  { UploadLease done = std::move(*first); }
  EXPECT_TRUE(table_->Acquire(ns_, "repo", id).ok());
}

TEST_F(UploadsTest, SessionsBelongToTheirRepositoryAndNamespace) {
  std::string id = StartWith("abc");
  EXPECT_EQ(table_->Acquire(ns_, "other", id).error().code, Err::kUploadUnknown);
  EXPECT_EQ(table_->Acquire({"111111111111", "us-east-1"}, "repo", id).error().code,
            Err::kUploadUnknown);
  EXPECT_EQ(table_->Acquire(ns_, "repo", "no-such-id").error().code, Err::kUploadUnknown);
  EXPECT_EQ(table_->Acquire(ns_, "repo", "../../x").error().code, Err::kUploadUnknown);
}

TEST_F(UploadsTest, ASessionResumesInANewTableAsAfterARestart) {
  std::string id = StartWith("first ");
  table_ = std::make_unique<UploadTable>(*blobs_, clock_);  // the old one's writers close
  EXPECT_EQ(table_->size(), 0u);
  EXPECT_EQ(table_->Acquire(ns_, "other", id).error().code, Err::kUploadUnknown);
  auto lease = table_->Acquire(ns_, "repo", id);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)->writer->size(), 6u);
  ASSERT_TRUE((*lease)->writer->Append("second").ok());
  auto digest = (*lease)->writer->Commit("sha256:" + auth::Sha256Hex("first second"));
  ASSERT_TRUE(digest.ok()) << digest.error().ToString();
  (*lease)->writer.reset();
  { UploadLease done = std::move(*lease); }
  EXPECT_EQ(table_->size(), 0u);
  EXPECT_EQ(table_->Acquire(ns_, "repo", id).error().code, Err::kUploadUnknown);
}

TEST_F(UploadsTest, AbortForgetsTheSessionAndItsData) {
  std::string id = StartWith("data");
  {
    auto lease = table_->Acquire(ns_, "repo", id);
    ASSERT_TRUE(lease.ok());
    UploadTable::Abort(*lease);
  }
  EXPECT_EQ(table_->size(), 0u);
  table_ = std::make_unique<UploadTable>(*blobs_, clock_);
  EXPECT_EQ(table_->Acquire(ns_, "repo", id).error().code, Err::kUploadUnknown);
}

TEST_F(UploadsTest, IdleSessionsExpireButBusyOnesDoNot) {
  std::string idle = StartWith("idle");
  auto busy = table_->Start(ns_, "repo");
  ASSERT_TRUE(busy.ok());
  clock_.Advance(std::chrono::hours(2));
  StartWith("new");  // expiry runs when a session starts
  EXPECT_EQ(table_->Acquire(ns_, "repo", idle).error().code, Err::kUploadUnknown);
  EXPECT_TRUE((*busy)->writer->Append("still mine").ok());
  EXPECT_EQ(table_->size(), 2u);
}

}  // namespace
}  // namespace nimbus::ecr
