// PackageType Image in the control plane: ImageUri resolved to a digest at create and update
// time, AWS's errors for bad and missing images and for zip-only fields, ImageConfig, and the
// state of a function whose image was deleted. The registry is a fake.
#include <gtest/gtest.h>

#include <map>

#include "services/lambda/control/control_plane.h"
#include "test_util.h"

namespace nimbus::lambda {
namespace {

using testing::TempDir;

constexpr const char* kRepo = "127.0.0.1:4566/app";
const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

// Tags and digests of one repository, "127.0.0.1:4566/app"; "index" names an image index.
class FakeImages : public FunctionImageSource {
 public:
  Result<ResolvedFunctionImage> Resolve(const std::string& account, const std::string&,
                                        const std::string& uri) override {
    if (!uri.starts_with(std::string(kRepo))) return Status::InvalidArgument("elsewhere");
    if (account != "123456789012") return Status::NotFound("app: not found");
    std::string ref = uri.substr(std::string(kRepo).size() + 1);
    auto it = tags.find(ref);
    std::string digest = it != tags.end() ? it->second : ref;
    bool known = false;
    for (const auto& [tag, d] : tags) known = known || d == digest;
    if (!known) return Status::NotFound(uri + ": not found");
    std::string pinned = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@" + digest;
    return ResolvedFunctionImage{kRepo, digest, pinned, ref == "index"};
  }
  Result<FunctionImageRoot> Prepare(const std::string&, const std::string&, const std::string&,
                                    uid_t) override {
    return Status::Unimplemented("not in these tests");
  }
  std::map<std::string, std::string> tags = {
      {"v1", kDigestA}, {"v2", kDigestB}, {"index", "sha256:" + std::string(64, 'c')}};
};

class ImageFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::OpenStores(tmp_.path(), db_, blobs_);
    Reopen();
    call_.account_id = "123456789012";
    call_.region = "us-east-1";
  }
  void Reopen() {
    control_.reset();
    ControlOptions o{db_.get(), blobs_.get(), &SystemClock(), tmp_.path()};
    o.images = images_;
    auto c = LambdaControl::Open(o);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    control_ = std::move(*c);
  }
  Value Input(const std::string& name, const std::string& uri) {
    return {{"FunctionName", name},
            {"PackageType", "Image"},
            {"Role", "arn:aws:iam::123456789012:role/r"},
            {"Code", {{"ImageUri", uri}}}};
  }
  std::string CreateError(const Value& in) {
    auto out = control_->CreateFunction(call_, in);
    return out.ok() ? "ok" : out.error().code + ": " + out.error().message;
  }

  TempDir tmp_;
  std::shared_ptr<FakeImages> images_ = std::make_shared<FakeImages>();
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<LambdaControl> control_;
  CallContext call_;
};

TEST_F(ImageFunctionsTest, CreateResolvesTheTagAndKeepsTheDigestUntilUpdated) {
  Value in = Input("f", std::string(kRepo) + ":v1");
  in["ImageConfig"] = {{"Command", {"handler.main"}}, {"WorkingDirectory", "/srv"}};
  auto out = control_->CreateFunction(call_, in);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)["PackageType"], "Image");
  EXPECT_EQ((*out)["CodeSha256"], std::string(64, 'a'));
  EXPECT_EQ((*out)["CodeSize"], 0);
  EXPECT_FALSE(out->contains("Runtime"));
  EXPECT_FALSE(out->contains("Handler"));
  EXPECT_EQ((*out)["ImageConfigResponse"]["ImageConfig"]["Command"][0], "handler.main");
  // The tag moves; the function keeps the digest it was created with.
  images_->tags["v1"] = kDigestB;
  auto got = control_->GetFunction(call_, {{"FunctionName", "f"}});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["Code"]["RepositoryType"], "ECR");
  EXPECT_EQ((*got)["Code"]["ImageUri"], std::string(kRepo) + ":v1");
  EXPECT_EQ((*got)["Code"]["ResolvedImageUri"], std::string(kRepo) + "@" + kDigestA);
  auto r = control_->ResolveInvoke(call_.account_id, call_.region, "f", "");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->function->image_uri, "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@" + kDigestA);
  EXPECT_EQ(r->function->image_command, std::vector<std::string>{"handler.main"});
  EXPECT_EQ(r->function->image_working_dir, "/srv");
  EXPECT_TRUE(r->function->code_dir.empty());
  // UpdateFunctionCode resolves the tag again; durable across a restart.
  auto updated = control_->UpdateFunctionCode(
      call_, {{"FunctionName", "f"}, {"ImageUri", std::string(kRepo) + ":v1"}});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ((*updated)["CodeSha256"], std::string(64, 'b'));
  Reopen();
  got = control_->GetFunction(call_, {{"FunctionName", "f"}});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["Code"]["ResolvedImageUri"], std::string(kRepo) + "@" + kDigestB);
  EXPECT_EQ((*got)["Configuration"]["ImageConfigResponse"]["ImageConfig"]["WorkingDirectory"],
            "/srv");
}

TEST_F(ImageFunctionsTest, BadAndMissingImagesGetAwsErrors) {
  EXPECT_EQ(CreateError(Input("f", std::string(kRepo) + ":nope")),
            "InvalidParameterValueException: Source image 127.0.0.1:4566/app:nope does not "
            "exist. Provide a valid source image.");
  EXPECT_EQ(CreateError(Input("f", kRepo)),  // no tag or digest
            "InvalidParameterValueException: Source image 127.0.0.1:4566/app is not valid. "
            "Provide a valid source image.");
  EXPECT_EQ(CreateError(Input("f", "registry.example.com/app:v1")),
            "InvalidParameterValueException: Source image registry.example.com/app:v1 is not "
            "valid. Provide a valid source image.");
  EXPECT_EQ(CreateError(Input("f", std::string(kRepo) + ":index")),
            "InvalidParameterValueException: The image manifest, config or layer media type for "
            "the source image 127.0.0.1:4566/app@sha256:" +
                std::string(64, 'c') + " is not supported.");
  Value no_uri = Input("f", "");
  EXPECT_EQ(CreateError(no_uri),
            "InvalidParameterValueException: Please provide ImageUri when creating a function "
            "with packageType Image.");
  Value bad_type = Input("f", std::string(kRepo) + ":v1");
  bad_type["PackageType"] = "Docker";
  EXPECT_EQ(CreateError(bad_type),
            "ValidationException: 1 validation error detected: Value 'Docker' at 'packageType' "
            "failed to satisfy constraint: Member must satisfy enum value set: [Image, Zip]");
  EXPECT_FALSE(control_->GetFunction(call_, {{"FunctionName", "f"}}).ok());  // nothing stored
}

TEST_F(ImageFunctionsTest, ZipOnlyFieldsAreRefusedAndTheReverse) {
  const std::string refused =
      "InvalidParameterValueException: Please don't provide Handler or Runtime or Layer when "
      "the intended function PackageType is Image.";
  for (const char* key : {"Runtime", "Handler", "Layers"}) {
    Value in = Input("f", std::string(kRepo) + ":v1");
    in[key] = std::string(key) == "Layers" ? Value::array() : Value("python3.12");
    EXPECT_EQ(CreateError(in), refused) << key;
  }
  ASSERT_EQ(CreateError(Input("f", std::string(kRepo) + ":v1")), "ok");
  auto config = control_->UpdateFunctionConfiguration(
      call_, {{"FunctionName", "f"}, {"Handler", "index.handler"}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code + ": " + config.error().message, refused);
  auto zip = control_->UpdateFunctionCode(
      call_, {{"FunctionName", "f"}, {"ZipFile", Value::binary(std::vector<uint8_t>{1, 2})}});
  ASSERT_FALSE(zip.ok());
  EXPECT_EQ(zip.error().message,
            "Please provide ImageUri when updating a function with packageType Image.");
}

TEST_F(ImageFunctionsTest, ADeletedImageFailsTheFunctionUntilANewImage) {
  ASSERT_EQ(CreateError(Input("f", std::string(kRepo) + ":v1")), "ok");
  ASSERT_TRUE(control_->PublishVersion(call_, {{"FunctionName", "f"}}).ok());
  auto r = control_->ResolveInvoke(call_.account_id, call_.region, "f", "");
  ASSERT_TRUE(r.ok());
  control_->ReportImageDeleted(*r->function);
  auto got = control_->GetFunctionConfiguration(call_, {{"FunctionName", "f"}});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["State"], "Failed");
  EXPECT_EQ((*got)["StateReasonCode"], "ImageDeleted");
  auto refused = control_->ResolveInvoke(call_.account_id, call_.region, "f", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "ResourceConflictException");
  // Version 1 has its own state: it is found out when it starts, not before.
  EXPECT_TRUE(control_->ResolveInvoke(call_.account_id, call_.region, "f", "1").ok());
  // A new image makes $LATEST Active again.
  ASSERT_TRUE(control_
                  ->UpdateFunctionCode(
                      call_, {{"FunctionName", "f"}, {"ImageUri", std::string(kRepo) + ":v2"}})
                  .ok());
  got = control_->GetFunctionConfiguration(call_, {{"FunctionName", "f"}});
  EXPECT_EQ((*got)["State"], "Active");
  EXPECT_FALSE(got->contains("StateReasonCode"));
}

}  // namespace
}  // namespace nimbus::lambda
