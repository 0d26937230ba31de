#include "services/ecs/container_checks.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

AwsError Client(std::string message) { return AwsError("ClientException", std::move(message)); }

AwsError InvalidSetting(const std::string& what, const std::string& container,
                        const std::string& why) {
  return Client("Invalid '" + what + "' setting for container '" + container + "'. " + why);
}

// healthCheck: CMD or CMD-SHELL with something to run; interval 5-300 (30), timeout 2-60 (5),
// retries 1-10 (3), startPeriod 0-300 (off); the defaults filled in.
std::optional<AwsError> CheckHealthCheck(Value& hc, const std::string& name) {
  const Value* command = Member(hc, "command");
  std::vector<std::string> parts;
  if (command && command->is_array()) {
    for (const Value& p : *command) parts.push_back(p.is_string() ? p.get<std::string>() : "");
  }
  if (parts.size() < 2 || (parts[0] != "CMD" && parts[0] != "CMD-SHELL") || parts[1].empty()) {
    return InvalidSetting("healthCheck", name,
                          "'command' must start with CMD or CMD-SHELL followed by the command "
                          "to run.");
  }
  struct Range {
    const char* key;
    int64_t lo, hi, fallback;  // fallback < 0: left out
  };
  for (const Range& r : {Range{"interval", 5, 300, 30}, Range{"timeout", 2, 60, 5},
                         Range{"retries", 1, 10, 3}, Range{"startPeriod", 0, 300, -1}}) {
    auto v = OptInt(hc, r.key);
    if (!v) {
      if (r.fallback >= 0) hc[r.key] = r.fallback;
      continue;
    }
    if (*v < r.lo || *v > r.hi) {
      return InvalidSetting("healthCheck", name,
                            "'" + std::string(r.key) + "' must be between " + std::to_string(r.lo) +
                                " and " + std::to_string(r.hi) + ".");
    }
  }
  return std::nullopt;
}

std::optional<AwsError> CheckUlimits(const Value& c, const std::string& name) {
  const Value* list = Member(c, "ulimits");
  if (list == nullptr || !list->is_array()) return std::nullopt;
  std::set<std::string> seen;
  for (const Value& u : *list) {
    std::string limit = Str(u, "name");
    if (!IsUlimitName(limit)) {
      return InvalidSetting("ulimits", name, "'" + limit + "' is not a valid ulimit name.");
    }
    if (!seen.insert(limit).second) {
      return InvalidSetting("ulimits", name, "Ulimit '" + limit + "' is specified more than once.");
    }
    auto soft = OptInt(u, "softLimit"), hard = OptInt(u, "hardLimit");
    if (!soft || !hard || *soft < -1 || *hard < -1) {
      return InvalidSetting(
          "ulimits", name,
          "Ulimit '" + limit + "' needs a softLimit and a hardLimit of 0 or more (-1: unlimited).");
    }
    auto unlimited = [](int64_t v) { return v == -1 ? INT64_MAX : v; };
    if (unlimited(*soft) > unlimited(*hard)) {
      return InvalidSetting(
          "ulimits", name,
          "The softLimit of ulimit '" + limit + "' cannot be greater than its hardLimit.");
    }
  }
  return std::nullopt;
}

// A dependsOn cycle reachable from `at`, as "a -> b -> a"; empty when none.
std::string FindCycle(const std::map<std::string, std::vector<std::string>>& edges,
                      const std::string& at, std::vector<std::string>& path,
                      std::map<std::string, int>& state) {
  state[at] = 1;  // on the path
  path.push_back(at);
  auto it = edges.find(at);
  if (it != edges.end()) {
    for (const std::string& next : it->second) {
      if (state[next] == 1) {
        std::string cycle;
        bool in = false;
        for (const std::string& p : path) {
          in = in || p == next;
          if (in) cycle += p + " -> ";
        }
        return cycle + next;
      }
      if (state[next] == 0) {
        std::string found = FindCycle(edges, next, path, state);
        if (!found.empty()) return found;
      }
    }
  }
  path.pop_back();
  state[at] = 2;  // done
  return "";
}

}  // namespace

bool IsUlimitName(const std::string& name) {
  static const std::set<std::string> kNames = {
      "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
      "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack"};
  return kNames.count(name) > 0;
}

std::optional<AwsError> CheckContainers(Value& containers, const Value& volumes) {
  std::map<std::string, const Value*> by_name;
  for (const Value& c : containers) by_name[Str(c, "name")] = &c;
  std::set<std::string> volume_names;
  if (volumes.is_array()) {
    for (const Value& v : volumes) volume_names.insert(Str(v, "name"));
  }
  std::map<std::string, std::vector<std::string>> edges;
  for (Value& c : containers) {
    std::string name = Str(c, "name");
    if (Value* hc = c.contains("healthCheck") ? &c["healthCheck"] : nullptr;
        hc && hc->is_object()) {
      if (auto e = CheckHealthCheck(*hc, name)) return e;
    }
    if (auto e = CheckUlimits(c, name)) return e;
    for (const Value& m : c.value("mountPoints", Value::array())) {
      std::string volume = Str(m, "sourceVolume");
      if (!volume_names.count(volume)) {
        return InvalidSetting("mountPoints", name, "Unknown volume '" + volume + "'.");
      }
      if (Str(m, "containerPath").empty()) {
        return InvalidSetting("mountPoints", name, "'containerPath' should not be empty.");
      }
    }
    for (const Value& from : c.value("volumesFrom", Value::array())) {
      std::string source = Str(from, "sourceContainer");
      if (!by_name.count(source)) {
        return InvalidSetting("volumesFrom", name, "Unknown source container '" + source + "'.");
      }
    }
    for (const Value& d : c.value("dependsOn", Value::array())) {
      std::string target = Str(d, "containerName"), condition = Str(d, "condition");
      auto it = by_name.find(target);
      if (it == by_name.end()) {
        // AWS's wording, stray '+' included.
        return Client("Cannot depend on container + '" + target + "' because it does not exist");
      }
      const Value& dependency = *it->second;
      if ((condition == "COMPLETE" || condition == "SUCCESS") &&
          Bool(dependency, "essential", true)) {
        return Client(
            "A dependency container with SUCCESS or COMPLETE condition cannot be an essential "
            "container");
      }
      if (condition == "HEALTHY" && Member(dependency, "healthCheck") == nullptr) {
        return Client("Container '" + target +
                      "' must have a health check for the HEALTHY dependency condition of "
                      "container '" +
                      name + "'.");
      }
      edges[name].push_back(target);
    }
  }
  std::map<std::string, int> state;
  for (const auto& [name, unused] : edges) {
    std::vector<std::string> path;
    if (state[name] != 0) continue;
    std::string cycle = FindCycle(edges, name, path, state);
    if (!cycle.empty()) return Client("Circular container dependency: " + cycle + ".");
  }
  return std::nullopt;
}

}  // namespace nimbus::ecs
