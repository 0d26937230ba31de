#include "services/ecs/runtime/container_command.h"

#include <map>

#include "image/image_command.h"
#include "services/kit/input.h"

namespace nimbus::ecs {

std::vector<std::string> MergeEnvironment(const std::vector<std::string>& image_env,
                                          const std::vector<const Value*>& environment,
                                          const std::vector<std::string>& extra) {
  std::vector<std::string> order;
  std::map<std::string, std::string> values;
  auto set = [&](const std::string& name, const std::string& value) {
    if (name.empty()) return;
    if (!values.count(name)) order.push_back(name);
    values[name] = value;
  };
  auto set_line = [&](const std::string& line) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) return;
    set(line.substr(0, eq), line.substr(eq + 1));
  };
  for (const std::string& line : image_env) set_line(line);
  if (!values.count("PATH")) set("PATH", image::kDefaultPath);
  for (const Value* list : environment) {
    if (list == nullptr || !list->is_array()) continue;
    for (const Value& kv : *list) set(Str(kv, "name"), Str(kv, "value"));
  }
  for (const std::string& line : extra) set_line(line);
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const std::string& name : order) out.push_back(name + "=" + values[name]);
  return out;
}

std::string EnvValue(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& line : env) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == '=') {
      return line.substr(name.size() + 1);
    }
  }
  return "";
}

}  // namespace nimbus::ecs
