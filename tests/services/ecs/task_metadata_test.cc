#include "services/ecs/network/task_metadata.h"

#include <gtest/gtest.h>

#include "services/ecs/network/task_stats.h"

namespace nimbus::ecs {
namespace {

Value Task() {
  return {{"taskArn", "arn:aws:ecs:us-west-2:111122223333:task/default/8f03e41243824aea"},
          {"clusterArn", "arn:aws:ecs:us-west-2:111122223333:cluster/default"},
          {"taskDefinitionArn", "arn:aws:ecs:us-west-2:111122223333:task-definition/curltest:24"},
          {"desiredStatus", "RUNNING"},
          {"lastStatus", "RUNNING"},
          {"launchType", "FARGATE"},
          {"availabilityZone", "us-west-2a"},
          {"cpu", "256"},
          {"memory", "512"},
          {"createdAt", 1601597707.620912},
          {"startedAt", 1601597708.5},
          {"pullStartedAt", 1601597707.7},
          {"containers",
           {{{"name", "curl"},
             {"image", "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest:latest"},
             {"imageDigest", "sha256:d691"},
             {"runtimeId", "ea32192c8553fbff06c9340478a2ff08"},
             {"containerArn", "arn:aws:ecs:us-west-2:111122223333:container/default/x/y"},
             {"lastStatus", "RUNNING"},
             {"cpu", "10"},
             {"memory", "128"},
             {"networkBindings",
              {{{"bindIP", "127.0.0.1"},
                {"containerPort", 80},
                {"hostPort", 80},
                {"protocol", "tcp"}}}}}}}};
}

Value Definition() {
  return {{"containerDefinitions",
           {{{"name", "curl"},
             {"logConfiguration",
              {{"logDriver", "awslogs"}, {"options", {{"awslogs-group", "/ecs/metadata"}}}}}}}}};
}

MetadataNetwork Vpc() {
  return {"awsvpc",        "172.31.0.9",    "0a:11:22:33:44:55",
          "172.31.0.0/20", "172.31.0.1/20", "ip-172-31-0-9.us-west-2.compute.internal"};
}

TEST(TaskMetadataTest, ContainerShapedAsAwsDocumentsIt) {
  Value c = ContainerMetadata(Task(), Definition(), "curl", Vpc());
  EXPECT_EQ(c["DockerId"], "ea32192c8553fbff06c9340478a2ff08");
  EXPECT_EQ(c["Name"], "curl");
  EXPECT_EQ(c["DockerName"], "curl");  // Fargate's; EC2's is ecs-<family>-<rev>-<name>-<id>
  EXPECT_EQ(c["ImageID"], "sha256:d691");
  EXPECT_EQ(c["Labels"]["com.amazonaws.ecs.task-definition-family"], "curltest");
  EXPECT_EQ(c["Labels"]["com.amazonaws.ecs.task-definition-version"], "24");
  EXPECT_EQ(c["Labels"]["com.amazonaws.ecs.container-name"], "curl");
  EXPECT_EQ(c["Limits"], Value({{"CPU", 10}, {"Memory", 128}}));
  EXPECT_EQ(c["CreatedAt"], "2020-10-02T00:15:07.620912Z");
  EXPECT_EQ(c["StartedAt"], "2020-10-02T00:15:08.500000Z");
  EXPECT_EQ(c["Type"], "NORMAL");
  EXPECT_EQ(c["LogDriver"], "awslogs");
  EXPECT_EQ(c["LogOptions"]["awslogs-group"], "/ecs/metadata");
  const Value& net = c["Networks"][0];
  EXPECT_EQ(net["NetworkMode"], "awsvpc");
  EXPECT_EQ(net["IPv4Addresses"], Value::array({"172.31.0.9"}));
  EXPECT_EQ(net["MACAddress"], "0a:11:22:33:44:55");
  EXPECT_EQ(net["IPv4SubnetCIDRBlock"], "172.31.0.0/20");
  EXPECT_EQ(net["SubnetGatewayIpv4Address"], "172.31.0.1/20");
  EXPECT_EQ(c["Ports"][0]["HostIp"], "127.0.0.1");
  EXPECT_TRUE(ContainerMetadata(Task(), Definition(), "ghost", Vpc()).is_null());

  Value ec2 = Task();
  ec2["launchType"] = "EC2";
  EXPECT_EQ(ContainerMetadata(ec2, Definition(), "curl", {"bridge", "172.31.0.9"})["DockerName"],
            "ecs-curltest-24-curl-ea32192c8553fbff06c9");
}

TEST(TaskMetadataTest, TaskShapedAsAwsDocumentsIt) {
  Value t = TaskMetadata(Task(), Definition(), Vpc());
  EXPECT_EQ(t["Cluster"], "arn:aws:ecs:us-west-2:111122223333:cluster/default");
  EXPECT_EQ(t["Family"], "curltest");
  EXPECT_EQ(t["Revision"], "24");
  EXPECT_EQ(t["KnownStatus"], "RUNNING");
  EXPECT_EQ(t["Limits"], Value({{"CPU", 0.25}, {"Memory", 512}}));  // vCPUs and MiB
  EXPECT_EQ(t["PullStartedAt"], "2020-10-02T00:15:07.700000Z");
  EXPECT_FALSE(t.contains("PullStoppedAt"));  // not pulled yet
  EXPECT_EQ(t["AvailabilityZone"], "us-west-2a");
  EXPECT_EQ(t["LaunchType"], "FARGATE");
  ASSERT_EQ(t["Containers"].size(), 1u);
  EXPECT_EQ(t["Containers"][0]["Name"], "curl");
  Value bare = Task();
  bare.erase("cpu");
  bare.erase("memory");
  EXPECT_FALSE(TaskMetadata(bare, Definition(), Vpc()).contains("Limits"));
}

TEST(TaskMetadataTest, RoleCredentialsShapedAsTheAgentsAnswer) {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1601597707));
  auth::IssuedCredential issued{{"LSIAEXAMPLE", "secret", "111122223333", "token"},
                                now + std::chrono::hours(6)};
  Value c = RoleCredentials("arn:aws:iam::111122223333:role/app", issued);
  EXPECT_EQ(c, Value({{"RoleArn", "arn:aws:iam::111122223333:role/app"},
                      {"AccessKeyId", "LSIAEXAMPLE"},
                      {"SecretAccessKey", "secret"},
                      {"Token", "token"},
                      {"Expiration", "2020-10-02T06:15:07Z"}}));
}

TEST(TaskMetadataTest, NetworkStatsFromProcNetDev) {
  const char* text =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:     100       2    0    0    0     0          0         0      100       2    0    "
      "0    0     0       0          0\n"
      "  eth0:    5000      40    1    2    0     0          0         0     3000      30    3    "
      "4    0     0       0          0\n";
  Value n = NetworksFromProcNetDev(text);
  EXPECT_FALSE(n.contains("lo"));
  EXPECT_EQ(n["eth0"], Value({{"rx_bytes", 5000},
                              {"rx_packets", 40},
                              {"rx_errors", 1},
                              {"rx_dropped", 2},
                              {"tx_bytes", 3000},
                              {"tx_packets", 30},
                              {"tx_errors", 3},
                              {"tx_dropped", 4}}));
}

}  // namespace
}  // namespace nimbus::ecs
