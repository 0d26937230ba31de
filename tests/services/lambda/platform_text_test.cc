// The platform log lines Lambda prints, to the character.
#include "services/lambda/invoke/platform_text.h"

#include <gtest/gtest.h>

namespace nimbus::lambda {
namespace {

TEST(PlatformText, ReportLineLikeLambda) {
  EXPECT_EQ(ReportLine("abc", 1.005, 128, 31, std::nullopt, ""),
            "REPORT RequestId: abc\tDuration: 1.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB"
            "\tMax Memory Used: 31 MB");
  EXPECT_EQ(ReportLine("id", 12.345678, 1024, 7, 4.5, "timeout"),
            "REPORT RequestId: id\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 1024 "
            "MB\tMax Memory Used: 7 MB\tInit Duration: 4.50 ms\tStatus: timeout");
  EXPECT_EQ(ReportLine("x", 0.0, 128, 0, std::nullopt, ""),
            "REPORT RequestId: x\tDuration: 0.00 ms\tBilled Duration: 0 ms\tMemory Size: 128 MB"
            "\tMax Memory Used: 0 MB");
  // Same rounding as printf("%.2f").
  for (double v : {0.125, 0.375, 2.675, 1e6 + 0.005, 3000.999}) {
    char want[64];
    std::snprintf(want, sizeof want, "%.2f", v);
    std::string line = ReportLine("r", v, 128, 1, std::nullopt, "");
    EXPECT_NE(line.find(std::string("Duration: ") + want + " ms"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace nimbus::lambda
