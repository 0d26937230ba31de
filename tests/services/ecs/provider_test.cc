// The ECS control plane as nimbus serves it (clusters, task definitions), built from the
// service table and called in process (tests/services/provider_harness.h).
#include <gtest/gtest.h>

#include "services/provider_harness.h"

namespace nimbus::ecs {
namespace {

using testing::ProviderHarness;

const char kArnPrefix[] = "arn:aws:ecs:us-east-1:000000000000:";

Value Container(const std::string& name, Value extra = Value::object()) {
  Value c = {{"name", name}, {"image", "busybox"}, {"memory", 128}};
  c.update(extra);
  return c;
}

Value Family(const std::string& family, Value containers, Value extra = Value::object()) {
  Value in = {{"family", family}, {"containerDefinitions", std::move(containers)}};
  in.update(extra);
  return in;
}

std::string ErrorCode(const OpResult& r) { return r.ok() ? "ok" : r.error().code; }
std::string ErrorMessage(const OpResult& r) { return r.ok() ? "ok" : r.error().message; }

TEST(EcsClustersTest, CreateDescribeListDelete) {
  ProviderHarness h({"ecs"});
  ASSERT_TRUE(h.ok());
  auto made = h.Call("ecs", "CreateCluster", {{"clusterName", "web"}});
  ASSERT_TRUE(made.ok()) << ErrorMessage(made);
  EXPECT_EQ((*made)["cluster"]["clusterArn"], std::string(kArnPrefix) + "cluster/web");
  EXPECT_EQ((*made)["cluster"]["status"], "ACTIVE");
  // Again: the same cluster, as AWS answers.
  auto again = h.Call("ecs", "CreateCluster", {{"clusterName", "web"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["cluster"]["clusterArn"], (*made)["cluster"]["clusterArn"]);
  // No name: the default cluster.
  auto def = h.Call("ecs", "CreateCluster", Value::object());
  ASSERT_TRUE(def.ok());
  EXPECT_EQ((*def)["cluster"]["clusterName"], "default");

  auto list = h.Call("ecs", "ListClusters", Value::object());
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)["clusterArns"].size(), 2u);

  auto described = h.Call("ecs", "DescribeClusters",
                          {{"clusters", {"web", std::string(kArnPrefix) + "cluster/web", "nope"}}});
  ASSERT_TRUE(described.ok());
  EXPECT_EQ((*described)["clusters"].size(), 2u);
  ASSERT_EQ((*described)["failures"].size(), 1u);
  EXPECT_EQ((*described)["failures"][0]["arn"], std::string(kArnPrefix) + "cluster/nope");
  EXPECT_EQ((*described)["failures"][0]["reason"], "MISSING");

  auto deleted = h.Call("ecs", "DeleteCluster", {{"cluster", "web"}});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ((*deleted)["cluster"]["status"], "INACTIVE");
  auto gone = h.Call("ecs", "DeleteCluster", {{"cluster", "web"}});
  EXPECT_EQ(ErrorCode(gone), "ClusterNotFoundException");
  EXPECT_EQ(ErrorMessage(gone), "Cluster not found.");
  // Deleted clusters stay describable as INACTIVE and leave the list.
  auto after = h.Call("ecs", "DescribeClusters", {{"clusters", {"web"}}});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["clusters"][0]["status"], "INACTIVE");
  list = h.Call("ecs", "ListClusters", Value::object());
  EXPECT_EQ((*list)["clusterArns"].size(), 1u);
  // Another account sees none of it.
  auto other = h.Call("ecs", "ListClusters", Value::object(), "111111111111");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE((*other)["clusterArns"].empty());
  EXPECT_EQ(ErrorCode(h.Call("ecs", "CreateCluster", {{"clusterName", "a b"}})),
            "InvalidParameterException");
}

TEST(EcsClustersTest, ListPagesWithTokens) {
  ProviderHarness h({"ecs"});
  for (const char* n : {"a", "b", "c"})
    ASSERT_TRUE(h.Call("ecs", "CreateCluster", {{"clusterName", n}}).ok());
  auto page = h.Call("ecs", "ListClusters", {{"maxResults", 2}});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ((*page)["clusterArns"].size(), 2u);
  auto next = h.Call("ecs", "ListClusters", {{"nextToken", (*page)["nextToken"]}});
  ASSERT_TRUE(next.ok());
  ASSERT_EQ((*next)["clusterArns"].size(), 1u);
  EXPECT_EQ((*next)["clusterArns"][0], std::string(kArnPrefix) + "cluster/c");
  EXPECT_FALSE(next->contains("nextToken"));
  EXPECT_EQ(ErrorCode(h.Call("ecs", "ListClusters", {{"nextToken", "bogus"}})),
            "InvalidParameterException");
}

TEST(EcsTaskDefinitionsTest, RevisionsDescribeListDeregisterDelete) {
  ProviderHarness h({"ecs"});
  auto one = h.Call("ecs", "RegisterTaskDefinition", Family("web", {Container("app")}));
  ASSERT_TRUE(one.ok()) << ErrorMessage(one);
  const Value& td = (*one)["taskDefinition"];
  EXPECT_EQ(td["taskDefinitionArn"], std::string(kArnPrefix) + "task-definition/web:1");
  EXPECT_EQ(td["revision"], 1);
  EXPECT_EQ(td["status"], "ACTIVE");
  EXPECT_EQ(td["containerDefinitions"][0]["essential"], true);
  EXPECT_EQ(td["compatibilities"], Value::array({"EC2"}));
  auto two =
      h.Call("ecs", "RegisterTaskDefinition",
             Family("web", {Container("app")}, {{"tags", {{{"key", "k"}, {"value", "v"}}}}}));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ((*two)["taskDefinition"]["revision"], 2);

  // By family (latest ACTIVE), family:revision and ARN.
  auto latest = h.Call("ecs", "DescribeTaskDefinition", {{"taskDefinition", "web"}});
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)["taskDefinition"]["revision"], 2);
  EXPECT_FALSE(latest->contains("tags"));
  auto first = h.Call("ecs", "DescribeTaskDefinition", {{"taskDefinition", "web:1"}});
  EXPECT_EQ((*first)["taskDefinition"]["revision"], 1);
  auto by_arn = h.Call("ecs", "DescribeTaskDefinition",
                       {{"taskDefinition", std::string(kArnPrefix) + "task-definition/web:2"},
                        {"include", {"TAGS"}}});
  ASSERT_TRUE(by_arn.ok());
  EXPECT_EQ((*by_arn)["tags"][0]["key"], "k");
  auto missing = h.Call("ecs", "DescribeTaskDefinition", {{"taskDefinition", "web:9"}});
  EXPECT_EQ(ErrorCode(missing), "ClientException");
  EXPECT_EQ(ErrorMessage(missing), "Unable to describe task definition.");

  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", Family("api", {Container("app")})).ok());
  auto desc = h.Call("ecs", "ListTaskDefinitions", {{"sort", "DESC"}});
  ASSERT_TRUE(desc.ok());
  ASSERT_EQ((*desc)["taskDefinitionArns"].size(), 3u);
  EXPECT_EQ((*desc)["taskDefinitionArns"][0], std::string(kArnPrefix) + "task-definition/web:2");
  auto of_web = h.Call("ecs", "ListTaskDefinitions", {{"familyPrefix", "web"}, {"maxResults", 1}});
  ASSERT_EQ((*of_web)["taskDefinitionArns"].size(), 1u);
  EXPECT_EQ((*of_web)["taskDefinitionArns"][0], std::string(kArnPrefix) + "task-definition/web:1");
  auto rest = h.Call("ecs", "ListTaskDefinitions",
                     {{"familyPrefix", "web"}, {"nextToken", (*of_web)["nextToken"]}});
  EXPECT_EQ((*rest)["taskDefinitionArns"][0], std::string(kArnPrefix) + "task-definition/web:2");

  // Deregister needs a revision; then INACTIVE, and the family's latest is revision 1.
  EXPECT_EQ(ErrorCode(h.Call("ecs", "DeregisterTaskDefinition", {{"taskDefinition", "web"}})),
            "ClientException");
  auto dereg = h.Call("ecs", "DeregisterTaskDefinition", {{"taskDefinition", "web:2"}});
  ASSERT_TRUE(dereg.ok());
  EXPECT_EQ((*dereg)["taskDefinition"]["status"], "INACTIVE");
  EXPECT_TRUE((*dereg)["taskDefinition"].contains("deregisteredAt"));
  latest = h.Call("ecs", "DescribeTaskDefinition", {{"taskDefinition", "web"}});
  EXPECT_EQ((*latest)["taskDefinition"]["revision"], 1);
  auto inactive = h.Call("ecs", "ListTaskDefinitions", {{"status", "INACTIVE"}});
  EXPECT_EQ((*inactive)["taskDefinitionArns"].size(), 1u);

  // Delete: ACTIVE ones and missing ones are failures, INACTIVE ones go DELETE_IN_PROGRESS.
  auto del =
      h.Call("ecs", "DeleteTaskDefinitions", {{"taskDefinitions", {"web:2", "web:1", "web:7"}}});
  ASSERT_TRUE(del.ok()) << ErrorMessage(del);
  ASSERT_EQ((*del)["taskDefinitions"].size(), 1u);
  EXPECT_EQ((*del)["taskDefinitions"][0]["status"], "DELETE_IN_PROGRESS");
  ASSERT_EQ((*del)["failures"].size(), 2u);
  EXPECT_EQ((*del)["failures"][0]["arn"], std::string(kArnPrefix) + "task-definition/web:1");
  EXPECT_EQ(ErrorCode(h.Call("ecs", "DescribeTaskDefinition", {{"taskDefinition", "web:2"}})),
            "ClientException");
  // Revisions are never reused.
  auto three = h.Call("ecs", "RegisterTaskDefinition", Family("web", {Container("app")}));
  EXPECT_EQ((*three)["taskDefinition"]["revision"], 3);
}

TEST(EcsTaskDefinitionsTest, Families) {
  ProviderHarness h({"ecs"});
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", Family("web", {Container("app")})).ok());
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", Family("worker", {Container("app")})).ok());
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", Family("api", {Container("app")})).ok());
  ASSERT_TRUE(h.Call("ecs", "DeregisterTaskDefinition", {{"taskDefinition", "worker:1"}}).ok());
  auto all = h.Call("ecs", "ListTaskDefinitionFamilies", Value::object());
  EXPECT_EQ((*all)["families"], Value::array({"api", "web", "worker"}));
  auto w = h.Call("ecs", "ListTaskDefinitionFamilies", {{"familyPrefix", "w"}});
  EXPECT_EQ((*w)["families"], Value::array({"web", "worker"}));
  auto active = h.Call("ecs", "ListTaskDefinitionFamilies", {{"status", "ACTIVE"}});
  EXPECT_EQ((*active)["families"], Value::array({"api", "web"}));
  auto inactive = h.Call("ecs", "ListTaskDefinitionFamilies", {{"status", "INACTIVE"}});
  EXPECT_EQ((*inactive)["families"], Value::array({"worker"}));
}

struct BadCase {
  const char* what;
  Value input;
  const char* message;
};

TEST(EcsTaskDefinitionsTest, RefusesWhatAwsRefuses) {
  ProviderHarness h({"ecs"});
  Value fargate = {{"requiresCompatibilities", {"FARGATE"}},
                   {"networkMode", "awsvpc"},
                   {"cpu", "256"},
                   {"memory", "512"}};
  auto with = [](Value base, Value extra) {
    base.update(extra);
    return base;
  };
  const BadCase cases[] = {
      {"family chars", Family("a b", {Container("app")}), "Family contains invalid characters."},
      {"no containers", Family("f", Value::array()), "Container list cannot be empty."},
      {"no image", Family("f", {{{"name", "app"}, {"memory", 128}}}),
       "Container.image should not be null or empty."},
      {"container name", Family("f", {Container("a.b")}),
       "Container.name contains invalid characters."},
      {"no memory", Family("f", {{{"name", "app"}, {"image", "busybox"}}}),
       "Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation' "
       "must be specified."},
      {"memory below reservation", Family("f", {Container("app", {{"memoryReservation", 256}})}),
       "Invalid 'memory' setting for container 'app'. The value of 'memory' must be greater "
       "than or equal to the value of 'memoryReservation'."},
      {"no essential", Family("f", {Container("app", {{"essential", false}})}),
       "Task definition doesn't have any essential container."},
      {"fargate bridge",
       Family("f", {Container("app")}, with(fargate, {{"networkMode", "bridge"}})),
       "Fargate only supports network mode \u2018awsvpc\u2019."},
      {"fargate no cpu", Family("f", {Container("app")}, with(fargate, {{"cpu", nullptr}})),
       "Fargate requires that 'cpu' be defined at the task level."},
      {"fargate pair", Family("f", {Container("app")}, with(fargate, {{"cpu", "512"}})),
       "No Fargate configuration exists for given values: 512 CPU, 512 memory. See the Amazon "
       "ECS documentation for the valid values."},
      {"bad cpu", Family("f", {Container("app")}, {{"cpu", "lots"}}),
       "Invalid 'cpu' setting for task."},
      {"awsvpc ports",
       Family("f",
              {Container("app", {{"portMappings", {{{"containerPort", 80}, {"hostPort", 81}}}}})},
              {{"networkMode", "awsvpc"}}),
       "When networkMode=awsvpc, the host ports and container ports in port mappings must "
       "match."},
  };
  for (const BadCase& c : cases) {
    Value input = c.input;
    if (input.contains("cpu") && input["cpu"].is_null()) input.erase("cpu");
    auto r = h.Call("ecs", "RegisterTaskDefinition", input);
    EXPECT_EQ(ErrorCode(r), "ClientException") << c.what;
    EXPECT_EQ(ErrorMessage(r), c.message) << c.what;
  }
  // Nothing was registered.
  auto families = h.Call("ecs", "ListTaskDefinitionFamilies", Value::object());
  EXPECT_TRUE((*families)["families"].empty());
}

TEST(EcsTaskDefinitionsTest, FargateDefinitionsNormalizeSizes) {
  ProviderHarness h({"ecs"});
  auto r = h.Call(
      "ecs", "RegisterTaskDefinition",
      Family(
          "f",
          {{{"name", "app"}, {"image", "busybox"}, {"portMappings", {{{"containerPort", 8080}}}}}},
          {{"requiresCompatibilities", {"FARGATE"}},
           {"networkMode", "awsvpc"},
           {"cpu", "1 vCPU"},
           {"memory", "2 GB"}}));
  ASSERT_TRUE(r.ok()) << ErrorMessage(r);
  const Value& td = (*r)["taskDefinition"];
  EXPECT_EQ(td["cpu"], "1024");
  EXPECT_EQ(td["memory"], "2048");
  EXPECT_EQ(td["compatibilities"], Value::array({"EC2", "FARGATE"}));
  EXPECT_EQ(td["containerDefinitions"][0]["portMappings"][0]["hostPort"], 8080);
  EXPECT_EQ(td["containerDefinitions"][0]["portMappings"][0]["protocol"], "tcp");
}

TEST(EcsTaskDefinitionsTest, UnimplementedOperationsAnswer501) {
  ProviderHarness h({"ecs"});
  auto r = h.Call("ecs", "ListServicesByNamespace", {{"namespace", "web"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 501);
  EXPECT_NE(r.error().message.find("ListServicesByNamespace"), std::string::npos);
}

// In process no scheduler runs: the control plane stores services, deployments and revisions.
TEST(EcsServicesTest, CreateDescribeListUpdateDelete) {
  ProviderHarness h({"ecs"});
  ASSERT_TRUE(h.Call("ecs", "RegisterTaskDefinition", Family("web", {Container("app")})).ok());
  auto made = h.Call("ecs", "CreateService",
                     {{"serviceName", "web"}, {"taskDefinition", "web"}, {"desiredCount", 2}});
  ASSERT_TRUE(made.ok()) << ErrorMessage(made);
  const Value& s = (*made)["service"];
  EXPECT_EQ(s["serviceArn"], std::string(kArnPrefix) + "service/default/web");
  EXPECT_EQ(s["deploymentConfiguration"]["maximumPercent"], 200);
  EXPECT_EQ(s["deploymentConfiguration"]["minimumHealthyPercent"], 100);
  ASSERT_EQ(s["deployments"].size(), 1u);
  std::string id = s["deployments"][0]["id"];
  EXPECT_EQ(id.size(), std::string("ecs-svc/").size() + 19);
  EXPECT_EQ(s["deployments"][0]["desiredCount"], 2);
  EXPECT_EQ(ErrorCode(h.Call("ecs", "CreateService",
                             {{"serviceName", "web"}, {"taskDefinition", "web"}})),
            "InvalidParameterException");

  auto list = h.Call("ecs", "ListServices", Value::object());
  ASSERT_TRUE(list.ok());
  EXPECT_EQ((*list)["serviceArns"], Value::array({s["serviceArn"]}));

  auto updated =
      h.Call("ecs", "UpdateService",
             {{"service", s["serviceArn"]}, {"forceNewDeployment", true}, {"desiredCount", 0}});
  ASSERT_TRUE(updated.ok()) << ErrorMessage(updated);
  const Value& deps = (*updated)["service"]["deployments"];
  ASSERT_EQ(deps.size(), 2u);
  EXPECT_EQ(deps[0]["status"], "PRIMARY");
  EXPECT_EQ(deps[1]["status"], "ACTIVE");
  EXPECT_EQ(deps[1]["id"], id);

  auto briefs = h.Call("ecs", "ListServiceDeployments", {{"service", "web"}});
  ASSERT_TRUE(briefs.ok()) << ErrorMessage(briefs);
  ASSERT_EQ((*briefs)["serviceDeployments"].size(), 2u);
  std::string rev = (*briefs)["serviceDeployments"][0]["targetServiceRevisionArn"];
  auto revs = h.Call("ecs", "DescribeServiceRevisions", {{"serviceRevisionArns", {rev}}});
  ASSERT_TRUE(revs.ok());
  EXPECT_EQ((*revs)["serviceRevisions"][0]["taskDefinition"],
            std::string(kArnPrefix) + "task-definition/web:1");

  auto deleted = h.Call("ecs", "DeleteService", {{"service", "web"}});
  ASSERT_TRUE(deleted.ok()) << ErrorMessage(deleted);
  EXPECT_EQ((*deleted)["service"]["status"], "DRAINING");
  EXPECT_EQ(ErrorCode(h.Call("ecs", "UpdateService", {{"service", "nope"}})),
            "ServiceNotFoundException");
}

}  // namespace
}  // namespace nimbus::ecs
