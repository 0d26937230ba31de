#include "services/ecs/task_definition.h"

#include <cctype>
#include <cmath>
#include <set>

#include "services/ecs/awslogs/options.h"
#include "services/ecs/container_checks.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

AwsError Client(std::string message) { return AwsError("ClientException", std::move(message)); }

bool IsNameChars(const std::string& s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

// "<number><unit>" with optional spaces; the number may have a fraction.
std::optional<int64_t> ScaledNumber(const std::string& text, const char* unit, int64_t scale) {
  size_t i = 0;
  std::string digits;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    digits.push_back(text[i++]);
  if (digits.empty() || digits.size() > 12) return std::nullopt;
  while (i < text.size() && text[i] == ' ') ++i;
  std::string rest;
  for (; i < text.size(); ++i) rest.push_back(std::tolower(static_cast<unsigned char>(text[i])));
  char* end = nullptr;
  double v = std::strtod(digits.c_str(), &end);
  if (end == nullptr || *end != '\0') return std::nullopt;
  if (rest.empty()) {
    if (digits.find('.') != std::string::npos) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (rest != unit) return std::nullopt;
  double scaled = v * static_cast<double>(scale);
  if (scaled != std::floor(scaled)) return std::nullopt;
  return static_cast<int64_t>(scaled);
}

bool HasFargate(const Value& in) {
  const Value* req = Member(in, "requiresCompatibilities");
  if (req == nullptr || !req->is_array()) return false;
  for (const Value& c : *req) {
    if (c == "FARGATE") return true;
  }
  return false;
}

// Task-level cpu or memory: normalized to integer strings in `out`.
std::optional<AwsError> TaskSize(const Value& in, const char* key, Value& out,
                                 std::optional<int64_t>& parsed) {
  auto text = OptStr(in, key);
  if (!text) return std::nullopt;
  parsed = std::string(key) == "cpu" ? ParseTaskCpu(*text) : ParseTaskMemory(*text);
  if (!parsed || *parsed <= 0) {
    return AwsError("ClientException", std::string("Invalid '") + key + "' setting for task.");
  }
  out[key] = std::to_string(*parsed);
  return std::nullopt;
}

Result<Value, AwsError> Container(const Value& c, bool awsvpc, bool task_memory) {
  if (!c.is_object()) return Client("Container.name should not be null or empty.");
  std::string name = Str(c, "name");
  if (name.empty()) return Client("Container.name should not be null or empty.");
  if (name.size() > 255 || !IsNameChars(name)) {
    return Client("Container.name contains invalid characters.");
  }
  if (Str(c, "image").empty()) return Client("Container.image should not be null or empty.");
  auto memory = OptInt(c, "memory");
  auto reservation = OptInt(c, "memoryReservation");
  if (!memory && !reservation && !task_memory) {
    return Client("Invalid setting for container '" + name +
                  "'. At least one of 'memory' or 'memoryReservation' must be specified.");
  }
  if (memory && reservation && *memory < *reservation) {
    return Client("Invalid 'memory' setting for container '" + name +
                  "'. The value of 'memory' must be greater than or equal to the value of "
                  "'memoryReservation'.");
  }
  Value out = c;
  if (!out.contains("essential")) out["essential"] = true;
  for (const char* list : {"portMappings", "environment", "mountPoints", "volumesFrom"}) {
    if (!out.contains(list)) out[list] = Value::array();
  }
  for (Value& pm : out["portMappings"]) {
    if (!pm.is_object()) continue;
    auto container_port = OptInt(pm, "containerPort");
    auto host_port = OptInt(pm, "hostPort");
    if (awsvpc && container_port) {
      if (host_port && *host_port != *container_port) {
        return Client(
            "When networkMode=awsvpc, the host ports and container ports in port mappings must "
            "match.");
      }
      pm["hostPort"] = *container_port;
    }
    if (!pm.contains("protocol")) pm["protocol"] = "tcp";
  }
  return out;
}

}  // namespace

std::optional<int64_t> ParseTaskCpu(const std::string& text) {
  return ScaledNumber(text, "vcpu", 1024);
}

std::optional<int64_t> ParseTaskMemory(const std::string& text) {
  auto v = ScaledNumber(text, "gb", 1024);
  return v;
}

bool IsFargatePair(int64_t cpu, int64_t memory) {
  struct Range {
    int64_t cpu, lo, hi, step;
  };
  static constexpr Range kRanges[] = {
      {512, 1024, 4096, 1024},   {1024, 2048, 8192, 1024},   {2048, 4096, 16384, 1024},
      {4096, 8192, 30720, 1024}, {8192, 16384, 61440, 4096}, {16384, 32768, 122880, 8192},
  };
  if (cpu == 256) return memory == 512 || memory == 1024 || memory == 2048;
  for (const Range& r : kRanges) {
    if (r.cpu == cpu) return memory >= r.lo && memory <= r.hi && (memory - r.lo) % r.step == 0;
  }
  return false;
}

Result<Value, AwsError> BuildTaskDefinition(const Value& in, const std::string& account) {
  std::string family = Str(in, "family");
  if (family.empty()) return Client("Family should not be null or empty.");
  if (family.size() > 255 || !IsNameChars(family)) {
    return Client("Family contains invalid characters.");
  }
  const Value* defs = Member(in, "containerDefinitions");
  if (defs == nullptr || !defs->is_array() || defs->empty()) {
    return Client("Container list cannot be empty.");
  }
  Value out = Value::object();
  // Members echoed as given (the model shapes them; the codec has checked their types).
  for (const char* key : {"taskRoleArn", "executionRoleArn", "networkMode", "pidMode", "ipcMode",
                          "proxyConfiguration", "inferenceAccelerators", "ephemeralStorage",
                          "runtimePlatform", "requiresCompatibilities", "enableFaultInjection"}) {
    if (const Value* m = Member(in, key)) out[key] = *m;
  }
  out["volumes"] = Member(in, "volumes") ? in["volumes"] : Value::array();
  out["placementConstraints"] =
      Member(in, "placementConstraints") ? in["placementConstraints"] : Value::array();
  std::optional<int64_t> cpu, memory;
  if (auto e = TaskSize(in, "cpu", out, cpu)) return *e;
  if (auto e = TaskSize(in, "memory", out, memory)) return *e;
  bool awsvpc = Str(in, "networkMode") == "awsvpc";
  bool fargate = HasFargate(in);
  Value containers = Value::array();
  std::set<std::string> names;
  bool any_essential = false;
  int64_t cpu_sum = 0, reservation_sum = 0;
  bool privileged = false;
  for (const Value& c : *defs) {
    if (c.is_object() && Bool(c, "privileged")) privileged = true;
    auto built = Container(c, awsvpc, memory.has_value());
    if (!built.ok()) return built.error();
    if (const Value* logging = Member(c, "logConfiguration")) {
      if (auto e = awslogs::CheckLogConfiguration(*logging, fargate,
                                                  Member(in, "executionRoleArn") != nullptr)) {
        return *e;
      }
    }
    if (!names.insert((*built)["name"].get<std::string>()).second) {
      return Client("Duplicate container name: " + (*built)["name"].get<std::string>() + ".");
    }
    if ((*built)["essential"] == true) any_essential = true;
    cpu_sum += Int(*built, "cpu");
    reservation_sum += Int(*built, "memoryReservation");
    containers.push_back(std::move(*built));
  }
  if (!any_essential) return Client("Task definition doesn't have any essential container.");
  if (auto e = CheckContainers(containers, out["volumes"])) return *e;
  if (fargate) {
    if (privileged) {
      return Client("Fargate does not support privileged containers: 'privileged' must be false.");
    }
    if (!awsvpc) return Client("Fargate only supports network mode \u2018awsvpc\u2019.");
    if (!cpu) return Client("Fargate requires that 'cpu' be defined at the task level.");
    if (!memory) return Client("Fargate requires that 'memory' be defined at the task level.");
    if (!IsFargatePair(*cpu, *memory)) {
      return Client("No Fargate configuration exists for given values: " + std::to_string(*cpu) +
                    " CPU, " + std::to_string(*memory) +
                    " memory. See the Amazon ECS documentation for the valid values.");
    }
  }
  if (cpu && cpu_sum > *cpu) {
    return Client(
        "The sum of all container 'cpu' values cannot be greater than the value of the task "
        "'cpu'.");
  }
  if (memory && reservation_sum > *memory) {
    return Client(
        "The sum of all container 'memoryReservation' values cannot be greater than the value "
        "of the task 'memory'.");
  }
  out["containerDefinitions"] = std::move(containers);
  Value compat = Value::array({"EC2"});
  if (awsvpc && cpu && memory && IsFargatePair(*cpu, *memory) && !privileged) {
    compat.push_back("FARGATE");
  }
  out["compatibilities"] = std::move(compat);
  out["requiresAttributes"] = Value::array();
  out["registeredBy"] = "arn:aws:iam::" + account + ":root";
  return out;
}

}  // namespace nimbus::ecs
