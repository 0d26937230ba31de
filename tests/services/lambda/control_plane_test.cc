#include "services/lambda/control/control_plane.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "zip_builder.h"

namespace nimbus::lambda {
namespace {

using testing::TempDir;
using testing::ZipBuilder;

class ControlPlaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::OpenStores(tmp_.path(), db_, blobs_);
    Reopen();
    call_.account_id = "123456789012";
    call_.region = "us-east-1";
    call_.endpoint = "http://localhost:4566";
  }
  void Reopen(int limit = 1000, int state_delay_ms = 0) {
    control_.reset();
    ControlOptions o{db_.get(), blobs_.get(), &SystemClock(), tmp_.path(), limit};
    o.state_delay = std::chrono::milliseconds(state_delay_ms);
    o.run_after = [this](std::chrono::milliseconds, std::function<void()> fn) {
      later_.push_back(std::move(fn));
    };
    auto c = LambdaControl::Open(o);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    control_ = std::move(*c);
  }
  Value CreateInput(const std::string& name) {
    std::string zip = ZipBuilder().Add("bootstrap", "#!/bin/sh\n", 0100755).Build();
    return {{"FunctionName", name},
            {"Runtime", "provided.al2023"},
            {"Handler", "h"},
            {"Role", "arn:aws:iam::123456789012:role/r"},
            {"Code", {{"ZipFile", Value::binary(std::vector<uint8_t>(zip.begin(), zip.end()))}}}};
  }
  OpResult Create(const std::string& name) {
    return control_->CreateFunction(call_, CreateInput(name));
  }

  TempDir tmp_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<LambdaControl> control_;
  CallContext call_;
  std::vector<std::function<void()>> later_;  // state steps run_after was given
};

TEST_F(ControlPlaneTest, CreateGetAndResolve) {
  auto out = Create("f");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)["State"], "Pending");
  EXPECT_EQ((*out)["FunctionArn"], "arn:aws:lambda:us-east-1:123456789012:function:f");
  auto got = control_->GetFunctionConfiguration(call_, {{"FunctionName", "f"}});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["State"], "Active");  // settled inline without an event loop
  EXPECT_EQ((*got)["LastUpdateStatus"], "Successful");
  auto dup = Create("f");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message, "Function already exist: f");
  auto r = control_->ResolveInvoke("123456789012", "us-east-1", "f", "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->executed_version, "$LATEST");
  EXPECT_EQ(r->function->runtime, "provided.al2023");
  EXPECT_EQ(::access((r->function->code_dir + "/bootstrap").c_str(), X_OK), 0);
  auto missing = control_->ResolveInvoke("123456789012", "us-east-1", "nope", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().http_status, 404);
  auto other_account = control_->ResolveInvoke("999999999999", "us-east-1", "f", "");
  EXPECT_FALSE(other_account.ok());
}

TEST_F(ControlPlaneTest, PendingAndInProgressRefuseWhatAwsRefuses) {
  Reopen(1000, 5000);
  ASSERT_TRUE(Create("f").ok());
  ASSERT_EQ(later_.size(), 1u);
  const std::string pending =
      "The operation cannot be performed at this time. The function is currently in the "
      "following state: Pending";
  auto r = control_->ResolveInvoke("123456789012", "us-east-1", "f", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ResourceConflictException");
  EXPECT_EQ(r.error().http_status, 409);
  EXPECT_EQ(r.error().message, pending);
  auto update =
      control_->UpdateFunctionConfiguration(call_, {{"FunctionName", "f"}, {"MemorySize", 256}});
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().message, pending);
  auto publish = control_->PublishVersion(call_, {{"FunctionName", "f"}});
  ASSERT_FALSE(publish.ok());
  EXPECT_EQ(publish.error().message, pending);

  later_[0]();  // the delay passes: Active
  ASSERT_TRUE(control_->ResolveInvoke("123456789012", "us-east-1", "f", "").ok());
  update =
      control_->UpdateFunctionConfiguration(call_, {{"FunctionName", "f"}, {"MemorySize", 256}});
  ASSERT_TRUE(update.ok()) << update.error().message;
  EXPECT_EQ((*update)["LastUpdateStatus"], "InProgress");
  ASSERT_EQ(later_.size(), 2u);
  auto during = control_->ResolveInvoke("123456789012", "us-east-1", "f", "");
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->function->memory_mb, 128);  // invokes run what was there before the update
  publish = control_->PublishVersion(call_, {{"FunctionName", "f"}});
  ASSERT_FALSE(publish.ok());
  EXPECT_EQ(publish.error().message,
            "The operation cannot be performed at this time. An update is in progress for "
            "resource: arn:aws:lambda:us-east-1:123456789012:function:f");
  later_[1]();
  EXPECT_EQ(control_->ResolveInvoke("123456789012", "us-east-1", "f", "")->function->memory_mb,
            256);
  EXPECT_TRUE(control_->PublishVersion(call_, {{"FunctionName", "f"}}).ok());
}

TEST_F(ControlPlaneTest, ValidationErrors) {
  Value in = CreateInput("g");
  in["MemorySize"] = 100;
  auto r = control_->CreateFunction(call_, in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ValidationException");
  EXPECT_EQ(r.error().message,
            "1 validation error detected: Value '100' at 'memorySize' failed to satisfy "
            "constraint: Member must have value greater than or equal to 128");
  in = CreateInput("g");
  in["Timeout"] = 901;
  EXPECT_EQ(control_->CreateFunction(call_, in).error().code, "ValidationException");
  in = CreateInput("g");
  in["Layers"] = {"arn:aws:lambda:us-east-1:123456789012:layer:none:1"};
  EXPECT_EQ(control_->CreateFunction(call_, in).error().code, "InvalidParameterValueException");
  in = CreateInput("g");
  in["PackageType"] = "Image";
  EXPECT_EQ(control_->CreateFunction(call_, in).error().code, "InvalidParameterValueException");
}

TEST_F(ControlPlaneTest, VersionsAliasesAndWeights) {
  ASSERT_TRUE(Create("f").ok());
  auto v1 = control_->PublishVersion(call_, {{"FunctionName", "f"}});
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ((*v1)["Version"], "1");
  auto same = control_->PublishVersion(call_, {{"FunctionName", "f"}});
  EXPECT_EQ((*same)["Version"], "1");  // unchanged $LATEST publishes nothing new
  ASSERT_TRUE(
      control_->UpdateFunctionConfiguration(call_, {{"FunctionName", "f"}, {"MemorySize", 256}})
          .ok());
  auto v2 = control_->PublishVersion(call_, {{"FunctionName", "f"}});
  EXPECT_EQ((*v2)["Version"], "2");
  auto alias = control_->CreateAlias(
      call_, {{"FunctionName", "f"},
              {"Name", "live"},
              {"FunctionVersion", "1"},
              {"RoutingConfig", {{"AdditionalVersionWeights", {{"2", 0.25}}}}}});
  ASSERT_TRUE(alias.ok()) << alias.error().message;
  int two = 0;
  for (int i = 0; i < 2000; ++i) {
    auto r = control_->ResolveInvoke(call_.account_id, call_.region, "f", "live");
    ASSERT_TRUE(r.ok());
    if (r->executed_version == "2") {
      ++two;
      EXPECT_EQ(r->function->memory_mb, 256);
    }
    EXPECT_EQ(r->invoked_arn, "arn:aws:lambda:us-east-1:123456789012:function:f:live");
  }
  EXPECT_GT(two, 350);
  EXPECT_LT(two, 650);
  auto bad = control_->CreateAlias(
      call_, {{"FunctionName", "f"},
              {"Name", "x"},
              {"FunctionVersion", "1"},
              {"RoutingConfig", {{"AdditionalVersionWeights", {{"2", 1.5}}}}}});
  EXPECT_EQ(bad.error().code, "ValidationException");
  auto del = control_->DeleteFunction(call_, {{"FunctionName", "f"}, {"Qualifier", "2"}});
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, "ResourceConflictException");
}

TEST_F(ControlPlaneTest, PersistsAcrossReopen) {
  ASSERT_TRUE(Create("f").ok());
  ASSERT_TRUE(control_->PublishVersion(call_, {{"FunctionName", "f"}}).ok());
  ASSERT_TRUE(control_
                  ->PutFunctionConcurrency(
                      call_, {{"FunctionName", "f"}, {"ReservedConcurrentExecutions", 5}})
                  .ok());
  Reopen();
  auto r = control_->ResolveInvoke(call_.account_id, call_.region, "f", "1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->function->reserved_concurrency, 5);
  auto list = control_->ListFunctions(call_, {{"FunctionVersion", "ALL"}});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)["Functions"].size(), 2u);
}

TEST_F(ControlPlaneTest, LayersPersistAndResolveToDirectories) {
  std::string zip = ZipBuilder().Add("bin/tool", "x", 0100755).Build();
  Value content = {{"ZipFile", Value::binary(std::vector<uint8_t>(zip.begin(), zip.end()))}};
  auto l = control_->PublishLayerVersion(call_, {{"LayerName", "tools"}, {"Content", content}});
  ASSERT_TRUE(l.ok()) << l.error().message;
  Value in = CreateInput("f");
  in["Layers"] = {(*l)["LayerVersionArn"]};
  ASSERT_TRUE(control_->CreateFunction(call_, in).ok());
  Reopen();
  auto got = control_->GetLayerVersion(call_, {{"LayerName", "tools"}, {"VersionNumber", 1}});
  ASSERT_TRUE(got.ok()) << got.error().message;
  auto r = control_->ResolveInvoke(call_.account_id, call_.region, "f", "");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->function->layer_dirs.size(), 1u);
  EXPECT_EQ(::access((r->function->layer_dirs[0] + "/bin/tool").c_str(), X_OK), 0);
}

TEST_F(ControlPlaneTest, ConcurrencyKeepsHundredUnreserved) {
  ASSERT_TRUE(Create("a").ok());
  ASSERT_TRUE(Create("b").ok());
  EXPECT_TRUE(control_
                  ->PutFunctionConcurrency(
                      call_, {{"FunctionName", "a"}, {"ReservedConcurrentExecutions", 800}})
                  .ok());
  auto r = control_->PutFunctionConcurrency(
      call_, {{"FunctionName", "b"}, {"ReservedConcurrentExecutions", 101}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidParameterValueException");
  auto settings = control_->GetAccountSettings(call_, Value::object());
  EXPECT_EQ((*settings)["AccountLimit"]["UnreservedConcurrentExecutions"], 200);
}

TEST_F(ControlPlaneTest, ListingPaginates) {
  for (const char* n : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(Create(n).ok());
  std::vector<std::string> names;
  std::string marker;
  do {
    Value in = {{"MaxItems", 2}};
    if (!marker.empty()) in["Marker"] = marker;
    auto page = control_->ListFunctions(call_, in);
    ASSERT_TRUE(page.ok());
    for (const Value& f : (*page)["Functions"]) names.push_back(f["FunctionName"]);
    marker = page->contains("NextMarker") ? (*page)["NextMarker"].get<std::string>() : "";
  } while (!marker.empty());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

}  // namespace
}  // namespace nimbus::lambda
