#include "services/ecs/network/task_metadata.h"

#include <cstdio>
#include <ctime>

#include "core/clock.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

// "family" and "revision" of ".../task-definition/family:7".
std::pair<std::string, std::string> FamilyRevision(const Value& task) {
  std::string arn = Str(task, "taskDefinitionArn");
  std::string tail = arn.substr(arn.rfind('/') + 1);
  size_t colon = tail.rfind(':');
  if (colon == std::string::npos) return {tail, ""};
  return {tail.substr(0, colon), tail.substr(colon + 1)};
}

const Value* Definition(const Value& task_definition, const std::string& name) {
  const Value* defs = Member(task_definition, "containerDefinitions");
  if (defs == nullptr || !defs->is_array()) return nullptr;
  for (const Value& d : *defs) {
    if (Str(d, "name") == name) return &d;
  }
  return nullptr;
}

int64_t Number(const Value& v, const char* key) {
  const Value* m = Member(v, key);
  if (m == nullptr) return 0;
  if (m->is_number_integer()) return m->get<int64_t>();
  if (m->is_string()) {
    try {
      return std::stoll(m->get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

Value Networks(const MetadataNetwork& n) {
  Value net = {{"NetworkMode", n.mode}};
  if (!n.ipv4.empty()) net["IPv4Addresses"] = Value::array({n.ipv4});
  if (n.mode == "awsvpc") {
    net["AttachmentIndex"] = 0;
    net["MACAddress"] = n.mac;
    net["IPv4SubnetCIDRBlock"] = n.subnet_cidr;
    net["PrivateDNSName"] = n.dns_name;
    net["SubnetGatewayIpv4Address"] = n.gateway_cidr;
  }
  return Value::array({net});
}

void PutTime(Value& out, const char* key, const Value& from, const char* field) {
  const Value* t = Member(from, field);
  if (t != nullptr && t->is_number()) out[key] = MetadataTime(t->get<double>());
}

}  // namespace

std::string MetadataTime(double seconds) {
  auto whole = static_cast<std::time_t>(seconds);
  auto micros = static_cast<long>((seconds - static_cast<double>(whole)) * 1e6 + 0.5);
  if (micros >= 1000000) {
    ++whole;
    micros -= 1000000;
  }
  std::tm tm{};
  ::gmtime_r(&whole, &tm);
  char text[96];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  return text;
}

Value ContainerMetadata(const Value& task, const Value& task_definition, const std::string& name,
                        const MetadataNetwork& network) {
  const Value* containers = Member(task, "containers");
  const Value* c = nullptr;
  if (containers != nullptr && containers->is_array()) {
    for (const Value& each : *containers) {
      if (Str(each, "name") == name) c = &each;
    }
  }
  if (c == nullptr) return Value();
  auto [family, revision] = FamilyRevision(task);
  bool fargate = Str(task, "launchType") == "FARGATE";
  std::string docker_id = Str(*c, "runtimeId");
  Value out = {
      {"DockerId", docker_id},
      {"Name", name},
      {"DockerName", fargate ? name
                             : "ecs-" + family + "-" + revision + "-" + name + "-" +
                                   docker_id.substr(0, std::min<size_t>(20, docker_id.size()))},
      {"Image", Str(*c, "image")},
      {"ImageID", Str(*c, "imageDigest")},
      {"Labels",
       {{"com.amazonaws.ecs.cluster", Str(task, "clusterArn")},
        {"com.amazonaws.ecs.container-name", name},
        {"com.amazonaws.ecs.task-arn", Str(task, "taskArn")},
        {"com.amazonaws.ecs.task-definition-family", family},
        {"com.amazonaws.ecs.task-definition-version", revision}}},
      {"DesiredStatus", Str(task, "desiredStatus")},
      {"KnownStatus", Str(*c, "lastStatus")},
      {"Limits", {{"CPU", Number(*c, "cpu")}, {"Memory", Number(*c, "memory")}}},
  };
  PutTime(out, "CreatedAt", task, "createdAt");
  PutTime(out, "StartedAt", task, "startedAt");
  out["Type"] = "NORMAL";
  if (const Value* def = Definition(task_definition, name)) {
    if (const Value* log = Member(*def, "logConfiguration")) {
      out["LogDriver"] = Str(*log, "logDriver");
      out["LogOptions"] = log->value("options", Value::object());
    }
  }
  out["ContainerARN"] = Str(*c, "containerArn");
  out["Networks"] = Networks(network);
  const Value* bindings = Member(*c, "networkBindings");
  if (bindings != nullptr && bindings->is_array() && !bindings->empty()) {
    Value ports = Value::array();
    for (const Value& b : *bindings) {
      ports.push_back({{"ContainerPort", Number(b, "containerPort")},
                       {"Protocol", Str(b, "protocol", "tcp")},
                       {"HostPort", Number(b, "hostPort")},
                       {"HostIp", Str(b, "bindIP")}});
    }
    out["Ports"] = ports;
  }
  return out;
}

Value TaskMetadata(const Value& task, const Value& task_definition,
                   const MetadataNetwork& network) {
  auto [family, revision] = FamilyRevision(task);
  Value out = {{"Cluster", Str(task, "clusterArn")},
               {"TaskARN", Str(task, "taskArn")},
               {"Family", family},
               {"Revision", revision},
               {"DesiredStatus", Str(task, "desiredStatus")},
               {"KnownStatus", Str(task, "lastStatus")}};
  int64_t cpu = Number(task, "cpu"), memory = Number(task, "memory");
  if (cpu > 0 || memory > 0) {
    Value limits = Value::object();
    if (cpu > 0) limits["CPU"] = static_cast<double>(cpu) / 1024.0;
    if (memory > 0) limits["Memory"] = memory;
    out["Limits"] = limits;
  }
  PutTime(out, "PullStartedAt", task, "pullStartedAt");
  PutTime(out, "PullStoppedAt", task, "pullStoppedAt");
  out["AvailabilityZone"] = Str(task, "availabilityZone");
  out["LaunchType"] = Str(task, "launchType", "EC2");
  Value containers = Value::array();
  if (const Value* list = Member(task, "containers"); list && list->is_array()) {
    for (const Value& c : *list) {
      containers.push_back(ContainerMetadata(task, task_definition, Str(c, "name"), network));
    }
  }
  out["Containers"] = containers;
  return out;
}

Value RoleCredentials(const std::string& role_arn, const auth::IssuedCredential& issued) {
  return {{"RoleArn", role_arn},
          {"AccessKeyId", issued.credential.access_key_id},
          {"SecretAccessKey", issued.credential.secret_access_key},
          {"Token", issued.credential.session_token},
          {"Expiration", FormatIso8601(issued.expiration)}};
}

}  // namespace nimbus::ecs
