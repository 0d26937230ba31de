// Output split into lines however it was chunked, long lines in pieces, the rest on Flush.
#include "services/output/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nimbus::output {
namespace {

std::vector<std::string> FeedAll(LineSplitter& s, const std::vector<std::string>& chunks) {
  std::vector<std::string> lines;
  for (const auto& c : chunks) s.Feed(c, [&](std::string l) { lines.push_back(std::move(l)); });
  return lines;
}

TEST(LineSplitterTest, LinesAcrossChunks) {
  LineSplitter s;
  auto lines = FeedAll(s, {"one\ntw", "o\n", "\nthr", "ee"});
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", ""}));
  EXPECT_FALSE(s.empty());
  s.Flush([&](std::string l) { lines.push_back(std::move(l)); });
  EXPECT_EQ(lines.back(), "three");
  EXPECT_TRUE(s.empty());
  s.Flush([&](std::string) { ADD_FAILURE() << "nothing pending"; });
}

TEST(LineSplitterTest, LongLineInPieces) {
  LineSplitter s(8);
  auto lines = FeedAll(s, {"0123", "45678", "9ab\n"});
  EXPECT_EQ(lines, (std::vector<std::string>{"012345678", "9ab"}));
}

}  // namespace
}  // namespace nimbus::output
