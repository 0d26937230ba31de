// The shipper writes every line it was given, in order, per stream, and Flush waits for them.
#include "services/output/log_shipper.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace nimbus::output {
namespace {

class RecordingSink : public logs::LogSink {
 public:
  void Append(std::vector<logs::LogBatch> batches) override {
    std::lock_guard<std::mutex> lock(mu);
    ++appends;
    for (auto& b : batches) {
      for (auto& l : b.lines)
        streams[b.scope.account + "/" + b.group + "/" + b.stream].push_back(l.message);
    }
  }
  Status PrepareStream(const Scope&, const std::string&, const std::string&, bool) override {
    return Status::Ok();
  }
  std::mutex mu;
  int appends = 0;
  std::map<std::string, std::vector<std::string>> streams;
};

TEST(LogShipperTest, LinesInOrderPerStream) {
  RecordingSink sink;
  LogShipper shipper(&sink);
  for (int i = 0; i < 100; ++i) {
    shipper.Ship(Scope{"1", "us-east-1"}, "g", i % 2 ? "odd" : "even", {{i, std::to_string(i)}});
  }
  shipper.Flush();
  std::lock_guard<std::mutex> lock(sink.mu);
  ASSERT_EQ(sink.streams["1/g/odd"].size(), 50u);
  ASSERT_EQ(sink.streams["1/g/even"].size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(sink.streams["1/g/even"][i], std::to_string(2 * i));
    EXPECT_EQ(sink.streams["1/g/odd"][i], std::to_string(2 * i + 1));
  }
  EXPECT_LT(sink.appends, 100);  // batched
}

TEST(LogShipperTest, DestructionWritesWhatWasQueued) {
  RecordingSink sink;
  {
    LogShipper shipper(&sink);
    shipper.Ship(Scope{"1", "r"}, "g", "s", {{1, "last words"}});
  }
  EXPECT_EQ(sink.streams["1/g/s"], (std::vector<std::string>{"last words"}));
}

TEST(LogShipperTest, NoSinkDropsQuietly) {
  LogShipper shipper(nullptr);
  shipper.Ship(Scope{"1", "r"}, "g", "s", {{1, "x"}});
  shipper.Flush();
}

}  // namespace
}  // namespace nimbus::output
