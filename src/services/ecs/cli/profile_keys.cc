#include "services/ecs/cli/profile_keys.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace nimbus::ecs::cli {
namespace {

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string FileText(const char* env, const char* home_relative) {
  std::string path;
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') {
    path = v;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    path = std::string(home) + home_relative;
  } else {
    return "";
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<ProfileKeys> ProfileKeysIn(std::string_view ini, std::string_view section) {
  ProfileKeys keys;
  bool inside = false, seen = false;
  while (!ini.empty()) {
    size_t eol = ini.find('\n');
    std::string_view line = Trim(ini.substr(0, eol));
    ini = eol == std::string_view::npos ? std::string_view() : ini.substr(eol + 1);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      inside = Trim(line.substr(1, line.size() - 2)) == section;
      seen = seen || inside;
      continue;
    }
    size_t eq = line.find('=');
    if (!inside || eq == std::string_view::npos) continue;
    std::string_view name = Trim(line.substr(0, eq));
    std::string value(Trim(line.substr(eq + 1)));
    if (name == "aws_access_key_id") keys.access_key_id = value;
    if (name == "aws_secret_access_key") keys.secret_access_key = value;
    if (name == "aws_session_token") keys.session_token = value;
  }
  if (!seen || keys.access_key_id.empty() || keys.secret_access_key.empty()) return std::nullopt;
  return keys;
}

std::optional<ProfileKeys> ReadProfileKeys(const std::string& profile) {
  if (auto keys =
          ProfileKeysIn(FileText("AWS_SHARED_CREDENTIALS_FILE", "/.aws/credentials"), profile)) {
    return keys;
  }
  std::string section = profile == "default" ? profile : "profile " + profile;
  return ProfileKeysIn(FileText("AWS_CONFIG_FILE", "/.aws/config"), section);
}

}  // namespace nimbus::ecs::cli
