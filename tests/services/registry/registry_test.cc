// The service table and the checks start-up makes on it.
#include "services/registry/registry.h"

#include <gtest/gtest.h>

#include <set>

#include "services/kit/operations.h"
#include "services/provider_harness.h"

namespace nimbus {
namespace {

TEST(RegistryTest, EveryServiceBuildsInProcessAndHasUniqueNamesAndFlags) {
  std::vector<std::string_view> names;
  std::set<std::string_view> flags;
  for (const ServiceFactory& f : AllServices()) {
    names.push_back(f.name);
    ASSERT_NE(f.create, nullptr) << f.name;
    for (const FlagSpec& spec : f.flags) {
      EXPECT_TRUE(spec.name.starts_with("--")) << spec.name;
      EXPECT_TRUE(flags.insert(spec.name).second) << "two services declare " << spec.name;
    }
  }
  EXPECT_EQ(std::set<std::string_view>(names.begin(), names.end()).size(), names.size());
  testing::ProviderHarness h(names);
  EXPECT_TRUE(h.ok());
}

struct Nothing {};
OpResult Echo(Nothing&, const CallContext&, const Value& in) { return in; }

template <size_t N>
std::unique_ptr<Provider> Fake(std::string_view name, const Operation<Nothing> (&ops)[N]) {
  return MakeProvider(name, std::make_shared<Nothing>(), ops);
}

TEST(RegistryTest, StartUpRefusesAnOperationTheModelDoesNotHave) {
  static constexpr Operation<Nothing> kTypo[] = {{"GetCallerIdentity", Echo},
                                                 {"GetCallerIdentityy", Echo}};
  auto e = ServiceEndpoint::Create(Fake("sts", kTypo));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("'GetCallerIdentityy'"), std::string::npos)
      << e.error().message();
}

TEST(RegistryTest, StartUpRefusesAServiceWithoutAModel) {
  static constexpr Operation<Nothing> kOps[] = {{"Anything", Echo}};
  auto e = ServiceEndpoint::Create(Fake("no-such-service", kOps));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("no-such-service"), std::string::npos);
}

TEST(RegistryTest, ExecuteAnswersNotImplementedForAnUnregisteredOperation) {
  static constexpr Operation<Nothing> kOps[] = {{"GetCallerIdentity", Echo}};
  auto e = ServiceEndpoint::Create(Fake("sts", kOps));
  ASSERT_TRUE(e.ok());
  CallContext call;
  call.operation = "GetSessionToken";
  OpResult r = (*e)->ExecuteNow(call, Value::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 501);
  EXPECT_EQ(r.error().message, "nimbus does not implement STS.GetSessionToken yet");
  call.operation = "GetCallerIdentity";
  r = (*e)->ExecuteNow(call, Value{{"x", 1}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["x"], 1);
}

}  // namespace
}  // namespace nimbus
