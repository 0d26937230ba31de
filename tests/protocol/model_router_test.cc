#include <gtest/gtest.h>

#include <algorithm>

#include "protocol/model.h"
#include "protocol/router.h"
#include "protocol/test_util.h"

namespace nimbus {
namespace {

TEST(Model, EmbedsTheServices) {
  auto names = EmbeddedServiceNames();
  for (const char* n : {"sts", "lambda", "ecr", "ecs", "sns", "sqs", "logs", "imagebuilder"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  EXPECT_EQ(FindServiceModel("s3"), nullptr);
  EXPECT_EQ(FindServiceModel(""), nullptr);
  EXPECT_FALSE(EmbeddedBotocoreVersion().empty());
}

TEST(Model, Metadata) {
  const ServiceModel* ecr = FindServiceModel("ecr");
  ASSERT_NE(ecr, nullptr);
  EXPECT_EQ(ecr, FindServiceModel("ecr"));  // parsed once
  EXPECT_EQ(ecr->metadata().name, "ecr");
  EXPECT_EQ(ecr->metadata().protocol, "json");
  EXPECT_EQ(ecr->metadata().signing_name, "ecr");
  EXPECT_EQ(ecr->metadata().endpoint_prefix, "api.ecr");
  EXPECT_EQ(ecr->metadata().target_prefix, "AmazonEC2ContainerRegistry_V20150921");
  EXPECT_EQ(ecr->metadata().json_version, "1.1");
  EXPECT_EQ(ecr->metadata().botocore_version, EmbeddedBotocoreVersion());
  const ServiceModel* sts = FindServiceModel("sts");
  ASSERT_NE(sts, nullptr);
  EXPECT_EQ(sts->metadata().protocol, "query");
  EXPECT_EQ(sts->metadata().signing_name, "sts");
  EXPECT_EQ(sts->metadata().xml_namespace, "https://sts.amazonaws.com/doc/2011-06-15/");
  EXPECT_TRUE(FindServiceModel("sqs")->metadata().query_compatible);
}

TEST(Model, Operations) {
  const ServiceModel* lambda = FindServiceModel("lambda");
  ASSERT_NE(lambda, nullptr);
  auto names = lambda->OperationNames();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(lambda->FindOperation("Nope"), nullptr);
  const OperationModel* invoke = lambda->FindOperation("Invoke");
  ASSERT_NE(invoke, nullptr);
  EXPECT_EQ(invoke->name(), "Invoke");
  EXPECT_EQ(invoke->http_method(), "POST");
  EXPECT_EQ(invoke->request_uri(), "/2015-03-31/functions/{FunctionName}/invocations");
  ASSERT_EQ(invoke->path_segments().size(), 4u);
  EXPECT_EQ(invoke->path_segments()[2].kind, UriSegment::kLabel);
  const Shape* in = invoke->input();
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->payload, "Payload");
  const MemberRef* fn = in->FindMember("FunctionName");
  ASSERT_NE(fn, nullptr);
  EXPECT_EQ(fn->location, Location::kUri);
  EXPECT_TRUE(fn->required);
  EXPECT_EQ(in->FindMember("InvocationType")->wire_name(), "X-Amz-Invocation-Type");
  EXPECT_EQ(invoke->output()->FindMember("StatusCode")->location, Location::kStatusCode);
  EXPECT_TRUE(invoke->HasError("ResourceNotFoundException"));
  const Shape* nf = lambda->FindShape("ResourceNotFoundException");
  ASSERT_NE(nf, nullptr);
  EXPECT_TRUE(nf->exception);
  EXPECT_EQ(nf->error_status, 404);
  EXPECT_EQ(lambda->FindOperation("TagResource")->response_code(), 204);

  const OperationModel* gci = FindServiceModel("sts")->FindOperation("GetCallerIdentity");
  EXPECT_EQ(gci->result_wrapper(), "GetCallerIdentityResult");
  const Shape* sns_err = FindServiceModel("sns")->FindShape("InvalidParameterException");
  EXPECT_EQ(sns_err->error_code, "InvalidParameter");
}

// Every operation of every embedded model is among the route candidates for a path shaped
// like its request URI (a label is one segment, a greedy label one or more), and only
// operations of the request's method are.
TEST(Model, RouteCandidatesHoldEveryOperationThatCanMatch) {
  size_t checked = 0;
  for (const auto& name : EmbeddedServiceNames()) {
    const ServiceModel* model = FindServiceModel(name);
    ASSERT_NE(model, nullptr) << name;
    for (const auto& op : model->operations()) {
      const auto& t = op->path_segments();
      bool greedy = std::any_of(t.begin(), t.end(),
                                [](const UriSegment& s) { return s.kind == UriSegment::kGreedy; });
      for (size_t extra = 0; extra <= (greedy ? 3 : 0); ++extra) {
        const auto* candidates = model->RouteCandidates(op->http_method(), t.size() + extra);
        ASSERT_NE(candidates, nullptr) << name << " " << op->name();
        EXPECT_NE(std::find(candidates->begin(), candidates->end(), op.get()), candidates->end())
            << name << " " << op->name() << " +" << extra;
        for (const OperationModel* c : *candidates) EXPECT_EQ(c->http_method(), op->http_method());
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100u);
  const ServiceModel* lambda = FindServiceModel("lambda");
  const auto* post4 = lambda->RouteCandidates("POST", 4);  // /2015-03-31/functions/{n}/invocations
  ASSERT_NE(post4, nullptr);
  EXPECT_LT(post4->size(), lambda->operations().size() / 4);
  EXPECT_TRUE(lambda->RouteCandidates("BREW", 4)->empty());
  EXPECT_EQ(lambda->RouteCandidates("GET", 100), nullptr);  // beyond the index: scan
}

TEST(Model, ParseRejectsGarbage) {
  EXPECT_EQ(ServiceModel::Parse(""), nullptr);
  EXPECT_EQ(ServiceModel::Parse("[]"), nullptr);
  EXPECT_EQ(ServiceModel::Parse(R"({"metadata":{},"operations":{},"shapes":{"A":{"type":
    "structure","members":{"x":{"shape":"Missing"}}}}})"),
            nullptr);
  EXPECT_NE(ServiceModel::Parse(R"({"metadata":{},"operations":{},"shapes":{}})"), nullptr);
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(Models()) {}
  static std::vector<const ServiceModel*> Models() {
    std::vector<const ServiceModel*> m;
    for (const auto& n : EmbeddedServiceNames()) m.push_back(FindServiceModel(n));
    m.push_back(nullptr);
    return m;
  }
  ServiceRouter router_;
};

TEST_F(RouterTest, ByTarget) {
  HttpRequest r = testing::MakeRequest("POST", "/", "", "{}");
  r.headers.Add("X-Amz-Target", "Logs_20140328.PutLogEvents");
  EXPECT_EQ(router_.Route(r, ""), FindServiceModel("logs"));
  // The target wins over a (mismatching) scope.
  EXPECT_EQ(router_.Route(r, "ecs"), FindServiceModel("logs"));
  r.headers.Set("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.DescribeImages");
  EXPECT_EQ(router_.Route(r, "ecr"), FindServiceModel("ecr"));
  r.headers.Set("X-Amz-Target", "Unknown_2020.Op");
  EXPECT_EQ(router_.Route(r, ""), nullptr);
}

TEST_F(RouterTest, ByScope) {
  HttpRequest r = testing::MakeRequest("POST", "/", "", "");
  EXPECT_EQ(router_.Route(r, "ecr"), FindServiceModel("ecr"));
  EXPECT_EQ(router_.Route(r, "api.ecr"), FindServiceModel("ecr"));
  EXPECT_EQ(router_.Route(r, "sts"), FindServiceModel("sts"));
  EXPECT_EQ(router_.Route(r, "imagebuilder"), FindServiceModel("imagebuilder"));
  EXPECT_EQ(router_.Route(r, "s3"), nullptr);
}

TEST_F(RouterTest, ByPathAndQuery) {
  EXPECT_EQ(router_.Route(testing::MakeRequest("GET", "/2015-03-31/functions/"), ""),
            FindServiceModel("lambda"));
  EXPECT_EQ(router_.Route(testing::MakeRequest("PUT", "/CreateImage"), ""),
            FindServiceModel("imagebuilder"));
  EXPECT_EQ(
      router_.Route(
          testing::MakeRequest("POST", "/", "", "Action=GetCallerIdentity&Version=2011-06-15"), ""),
      FindServiceModel("sts"));
  EXPECT_EQ(
      router_.Route(testing::MakeRequest("GET", "/", "Action=Publish&Version=2010-03-31"), ""),
      FindServiceModel("sns"));
  // No Version: the action name decides.
  EXPECT_EQ(router_.Route(testing::MakeRequest("POST", "/", "", "Action=ListTopics"), ""),
            FindServiceModel("sns"));
  EXPECT_EQ(router_.Route(testing::MakeRequest("GET", "/favicon.ico"), ""), nullptr);
  EXPECT_EQ(router_.Route(HttpRequest{}, ""), nullptr);
}

// The generated routing indexes route exactly as the parsed models do, without parsing.
TEST(RoutingIndexTest, MatchesParsedModels) {
  std::vector<const ServiceRouting*> routings;
  std::vector<const ServiceModel*> models;
  for (const auto& n : EmbeddedServiceNames()) {
    const ServiceRouting* r = FindServiceRouting(n);
    ASSERT_NE(r, nullptr) << n;
    const ServiceMetadata& md = FindServiceModel(n)->metadata();
    EXPECT_EQ(r->protocol, md.protocol) << n;
    EXPECT_EQ(r->signing_name, md.signing_name) << n;
    EXPECT_EQ(r->endpoint_prefix, md.endpoint_prefix) << n;
    EXPECT_EQ(r->target_prefix, md.target_prefix) << n;
    EXPECT_EQ(r->api_version, md.api_version) << n;
    EXPECT_EQ(r->service_id, md.service_id) << n;
    routings.push_back(r);
    models.push_back(FindServiceModel(n));
  }
  EXPECT_EQ(FindServiceRouting("s3"), nullptr);
  ServiceRouter by_index(routings), by_model(models);
  std::vector<HttpRequest> requests = {
      testing::MakeRequest("GET", "/2015-03-31/functions/"),
      testing::MakeRequest("PUT", "/CreateImage"),
      testing::MakeRequest("POST", "/", "", "Action=GetCallerIdentity&Version=2011-06-15"),
      testing::MakeRequest("GET", "/", "Action=Publish&Version=2010-03-31"),
      testing::MakeRequest("POST", "/", "", "Action=ListTopics"),
      testing::MakeRequest("GET", "/favicon.ico"),
      testing::MakeRequest("GET", "/2021-10-31/functions/f/url")};
  for (const HttpRequest& r : requests) {
    EXPECT_EQ(by_index.Route(r, ""), by_model.Route(r, "")) << r.target;
    EXPECT_EQ(by_index.RouteIndex(r, ""), by_model.RouteIndex(r, "")) << r.target;
  }
  HttpRequest t = testing::MakeRequest("POST", "/", "", "{}");
  t.headers.Add("X-Amz-Target", "Logs_20140328.PutLogEvents");
  EXPECT_EQ(by_index.Route(t, ""), FindServiceModel("logs"));
  for (std::string_view scope : {"ecr", "api.ecr", "sts", "lambda", "s3"}) {
    EXPECT_EQ(by_index.Route(HttpRequest{}, scope), by_model.Route(HttpRequest{}, scope)) << scope;
  }
}

}  // namespace
}  // namespace nimbus
