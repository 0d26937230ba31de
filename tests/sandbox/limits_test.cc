#include "sandbox/limits.h"

#include <gtest/gtest.h>

namespace nimbus::sandbox {
namespace {

TEST(LimitsTest, CpuQuotaIsMemoryOver1769) {
  EXPECT_EQ(CpuQuotaForMemory(1769).quota_us, 10000);
  EXPECT_EQ(CpuQuotaForMemory(1769).period_us, 10000);
  EXPECT_EQ(CpuQuotaForMemory(10240).quota_us, 57885);
  EXPECT_EQ(CpuQuotaForMemory(10240).period_us, 10000);
  EXPECT_EQ(CpuQuotaForMemory(1).quota_us, 1000);      // kernel minimum
  EXPECT_EQ(CpuQuotaForMemory(1).period_us, 1000000);  // kernel maximum
}

TEST(LimitsTest, SmallFunctionsGetTheShortestPeriodTheKernelMinimumAllows) {
  // 128 MB: 1 ms every 13.821 ms (128/1769 = 7.236 %), not 7.2 ms every 100 ms.
  CpuQuota q = CpuQuotaForMemory(128);
  EXPECT_EQ(q.quota_us, 1000);
  EXPECT_EQ(q.period_us, 13821);
  EXPECT_NEAR(static_cast<double>(q.quota_us) / q.period_us, 128.0 / 1769, 0.0001);
  EXPECT_EQ(CpuQuotaForMemory(0).period_us, q.period_us);  // 0 means 128
  EXPECT_EQ(CpuQuotaForMemory(177).period_us, 10000);      // from here on the shortest period
  for (uint32_t mb : {128u, 129u, 200u, 512u, 1024u, 3008u, 10240u}) {
    CpuQuota c = CpuQuotaForMemory(mb);
    EXPECT_GE(c.quota_us, 1000) << mb;
    EXPECT_LE(c.period_us, 13821) << mb;
    EXPECT_EQ(c.burst_us, c.quota_us) << mb;  // the kernel's maximum burst
    EXPECT_NEAR(static_cast<double>(c.quota_us) / c.period_us, mb / 1769.0, 0.0002) << mb;
  }
}

TEST(LimitsTest, CpuQuotaInThousandthsOfACpu) {  // a container's cpu (ECS units * 1000 / 1024)
  EXPECT_EQ(CpuQuotaForMillis(1000).quota_us, 100000);
  EXPECT_EQ(CpuQuotaForMillis(250).quota_us, 25000);
  EXPECT_EQ(CpuQuotaForMillis(2500).quota_us, 250000);  // more than one CPU
  EXPECT_EQ(CpuQuotaForMillis(1).quota_us, 1000);       // the kernel's minimum
  EXPECT_EQ(CpuQuotaForMillis(500).period_us, 100000);
}

TEST(LimitsTest, CpuWeightForSharesAsRunc) {
  EXPECT_EQ(CpuWeightForShares(1024), 39u);
  EXPECT_EQ(CpuWeightForShares(2), 1u);
  EXPECT_EQ(CpuWeightForShares(262144), 10000u);
  EXPECT_EQ(CpuWeightForShares(0), 1u);  // clamped
}

TEST(LimitsTest, VisibleCoresFollowBandTable) {
  EXPECT_EQ(VisibleCoresForMemory(128), 2);
  EXPECT_EQ(VisibleCoresForMemory(1769), 2);
  EXPECT_EQ(VisibleCoresForMemory(3008), 2);
  EXPECT_EQ(VisibleCoresForMemory(3009), 3);
  EXPECT_EQ(VisibleCoresForMemory(5307), 3);
  EXPECT_EQ(VisibleCoresForMemory(5308), 4);
  EXPECT_EQ(VisibleCoresForMemory(7077), 5);
  EXPECT_EQ(VisibleCoresForMemory(8846), 6);
  EXPECT_EQ(VisibleCoresForMemory(10240), 6);
}

TEST(LimitsTest, ParsesAndFormatsCpuLists) {
  auto l = ParseCpuList("0-3,8,10-11\n");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(*l, (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(FormatCpuList(*l), "0-3,8,10-11");
  EXPECT_EQ(FormatCpuList({5, 1, 2}), "1-2,5");
  EXPECT_TRUE(ParseCpuList("").ok());
  EXPECT_FALSE(ParseCpuList("a-b").ok());
  EXPECT_FALSE(ParseCpuList("3-1").ok());
  EXPECT_FALSE(ParseCpuList("0-99999999").ok());
  EXPECT_FALSE(ParseCpuList("-1").ok());
}

TEST(LimitsTest, PickCpusCapsByHostAndRotates) {
  std::vector<int> host = {0, 1};
  EXPECT_EQ(PickCpus(host, 6, 0), (std::vector<int>{0, 1}));
  std::vector<int> big = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(PickCpus(big, 2, 0), (std::vector<int>{0, 1}));
  EXPECT_EQ(PickCpus(big, 2, 3), (std::vector<int>{3, 4}));
  EXPECT_EQ(PickCpus(big, 3, 7), (std::vector<int>{0, 1, 7}));
  EXPECT_TRUE(PickCpus({}, 2, 0).empty());
}

}  // namespace
}  // namespace nimbus::sandbox
