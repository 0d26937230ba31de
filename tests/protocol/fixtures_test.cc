// Decodes HTTP requests produced by botocore's serializers (tests/protocol/fixtures/
// requests.json, written by tools/gen_protocol_fixtures.py) and compares the decoded inputs with
// the sample inputs botocore was given.
#include <gtest/gtest.h>

#include "protocol/codec.h"
#include "protocol/router.h"
#include "protocol/test_util.h"
#include "protocol/wire.h"

namespace nimbus {
namespace {

Value LoadFixtures() {
  std::string text = testing::ReadFile(std::string(NIMBUS_PROTOCOL_FIXTURES) + "/requests.json");
  return Value::parse(text, nullptr, false);
}

HttpRequest ToRequest(const Value& r) {
  HttpRequest req = testing::MakeRequest(
      r["method"].get<std::string>(), r["path"].get<std::string>(), r["query"].get<std::string>(),
      *wire::Base64Decode(r["body_b64"].get<std::string>()));
  for (const auto& h : r["headers"]) {
    req.headers.Add(h[0].get<std::string>(), h[1].get<std::string>());
  }
  return req;
}

std::vector<const ServiceModel*> AllModels() {
  std::vector<const ServiceModel*> models;
  for (const auto& name : EmbeddedServiceNames()) models.push_back(FindServiceModel(name));
  return models;
}

TEST(BotocoreFixtures, DecodeMatchesSampleInput) {
  Value doc = LoadFixtures();
  ASSERT_FALSE(doc.is_discarded());
  ASSERT_GT(doc["cases"].size(), 15u);
  ServiceRouter router(AllModels());
  for (const auto& c : doc["cases"]) {
    std::string service = c["service"].get<std::string>();
    std::string op = c["operation"].get<std::string>();
    SCOPED_TRACE(service + "." + op);
    HttpRequest req = ToRequest(c["request"]);
    const ServiceModel* model = FindServiceModel(service);
    ASSERT_NE(model, nullptr);
    // Routed both with and without a SigV4 scope.
    EXPECT_EQ(router.Route(req, model->metadata().signing_name), model);
    EXPECT_EQ(router.Route(req, ""), model);
    auto decoded = CodecFor(*model).Decode(*model, req);
    ASSERT_TRUE(decoded.ok()) << decoded.error().code << ": " << decoded.error().message;
    EXPECT_EQ(decoded->operation->name(), op);
    EXPECT_EQ(testing::Normalize(decoded->input), c["input"])
        << "decoded: " << testing::Normalize(decoded->input).dump();
  }
}

}  // namespace
}  // namespace nimbus
