#include "server/access_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nimbus {
namespace {

AccessLogEntry Sample() {
  AccessLogEntry e;
  e.time = std::chrono::system_clock::time_point(std::chrono::seconds(1800000000));
  e.client = "127.0.0.1:5555";
  e.method = "POST";
  e.target = "/2015-03-31/functions/f/invocations";
  e.status = 200;
  e.bytes = 27;
  e.latency_ms = 0.4213;
  e.user_agent = "aws-cli/1.45 \"quoted\"\x01";
  e.operation = "Lambda.Invoke";
  e.request_id = "4bce774f-6f4f-4964-8d17-8caa1c78478f";
  return e;
}

TEST(AccessLogTest, TextLineIsCombinedLogPlusLatencyOperationAndRequestId) {
  EXPECT_EQ(FormatAccessLogText(Sample()),
            "127.0.0.1 - - [15/Jan/2027:08:00:00 +0000] "
            "\"POST /2015-03-31/functions/f/invocations HTTP/1.1\" 200 27 \"-\" "
            "\"aws-cli/1.45 \\x22quoted\\x22\\x01\" 0.421ms Lambda.Invoke "
            "4bce774f-6f4f-4964-8d17-8caa1c78478f");
}

TEST(AccessLogTest, MissingOperationAndRequestIdAreDashes) {
  AccessLogEntry e = Sample();
  e.operation = "";
  e.request_id = "";
  std::string line = FormatAccessLogText(e);
  EXPECT_TRUE(line.ends_with(" - -")) << line;
}

TEST(AccessLogTest, JsonLineCarriesTheSameFields) {
  auto j = nlohmann::json::parse(FormatAccessLogJson(Sample()));
  EXPECT_EQ(j["time"], "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(j["client"], "127.0.0.1:5555");
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["bytes"], 27);
  EXPECT_EQ(j["operation"], "Lambda.Invoke");
  EXPECT_EQ(j["request_id"], "4bce774f-6f4f-4964-8d17-8caa1c78478f");
  EXPECT_DOUBLE_EQ(j["latency_ms"].get<double>(), 0.4213);
}

}  // namespace
}  // namespace nimbus
