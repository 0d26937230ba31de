#include "image/image_config.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/json_parse.h"

namespace nimbus::image {
namespace {

using nlohmann::json;

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument("image config: " + field + " must be " + what);
}

// A string member; absent or null leaves `out` empty.
Status ReadString(const json& obj, const char* key, const std::string& field, std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Bad(field, "a string");
  out = it->get<std::string>();
  return Status::Ok();
}

Status ReadStrings(const json& obj, const char* key, const std::string& field,
                   std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return Bad(field, "an array of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) return Bad(field, "an array of strings");
    out.push_back(v.get<std::string>());
  }
  return Status::Ok();
}

Status ReadInt(const json& obj, const char* key, const std::string& field, int64_t& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_number_integer()) return Bad(field, "an integer");
  out = it->get<int64_t>();
  return Status::Ok();
}

Status ReadHealthcheck(const json& config, std::optional<ImageHealthcheck>& out) {
  auto it = config.find("Healthcheck");
  if (it == config.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return Bad("config.Healthcheck", "an object");
  ImageHealthcheck hc;
  Status st = ReadStrings(*it, "Test", "config.Healthcheck.Test", hc.test);
  if (st.ok()) st = ReadInt(*it, "Interval", "config.Healthcheck.Interval", hc.interval_ns);
  if (st.ok()) st = ReadInt(*it, "Timeout", "config.Healthcheck.Timeout", hc.timeout_ns);
  if (st.ok())
    st = ReadInt(*it, "StartPeriod", "config.Healthcheck.StartPeriod", hc.start_period_ns);
  if (st.ok()) st = ReadInt(*it, "Retries", "config.Healthcheck.Retries", hc.retries);
  if (!st.ok()) return st;
  out = std::move(hc);
  return Status::Ok();
}

// The keys of an object member ({"80/tcp": {}}), or "key=value" of a string map (Labels).
Status ReadKeys(const json& obj, const char* key, const std::string& field, bool with_values,
                std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return Bad(field, "an object");
  for (const auto& [k, v] : it->items()) {
    if (!with_values) {
      out.push_back(k);
      continue;
    }
    if (!v.is_string()) return Bad(field, "an object of strings");
    out.push_back(k + "=" + v.get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return Status::Ok();
}

Status ReadContainerConfig(const json& c, ImageConfig& out) {
  if (!c.is_object()) return Bad("config", "an object");
  Status st = ReadStrings(c, "Entrypoint", "config.Entrypoint", out.entrypoint);
  if (st.ok()) st = ReadStrings(c, "Cmd", "config.Cmd", out.cmd);
  if (st.ok()) st = ReadStrings(c, "Env", "config.Env", out.env);
  if (st.ok()) st = ReadString(c, "WorkingDir", "config.WorkingDir", out.working_dir);
  if (st.ok()) st = ReadString(c, "User", "config.User", out.user);
  if (st.ok()) st = ReadString(c, "StopSignal", "config.StopSignal", out.stop_signal);
  if (st.ok()) st = ReadKeys(c, "ExposedPorts", "config.ExposedPorts", false, out.exposed_ports);
  if (st.ok()) st = ReadKeys(c, "Labels", "config.Labels", true, out.labels);
  if (st.ok()) st = ReadHealthcheck(c, out.healthcheck);
  return st;
}

}  // namespace

Result<ImageConfig> ParseImageConfig(std::string_view text) {
  json doc = ParseJson(text);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("image config: not a JSON object");
  }
  ImageConfig out;
  Status st = ReadString(doc, "os", "os", out.os);
  if (st.ok()) st = ReadString(doc, "architecture", "architecture", out.architecture);
  if (st.ok()) st = ReadString(doc, "variant", "variant", out.variant);
  if (!st.ok()) return st;
  if (auto c = doc.find("config"); c != doc.end() && !c->is_null()) {
    st = ReadContainerConfig(*c, out);
    if (!st.ok()) return st;
  }
  auto rootfs = doc.find("rootfs");
  if (rootfs == doc.end() || !rootfs->is_object()) return Bad("rootfs", "an object");
  std::string type;
  st = ReadString(*rootfs, "type", "rootfs.type", type);
  if (!st.ok()) return st;
  if (type != "layers") return Bad("rootfs.type", "\"layers\"");
  st = ReadStrings(*rootfs, "diff_ids", "rootfs.diff_ids", out.diff_ids);
  if (!st.ok()) return st;
  for (const auto& id : out.diff_ids) {
    bool hex = id.size() == 71 && id.starts_with("sha256:") &&
               std::all_of(id.begin() + 7, id.end(), [](char ch) {
                 return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
               });
    if (!hex) return Bad("rootfs.diff_ids", "sha256 digests, not \"" + id + "\"");
  }
  return out;
}

Result<int> ParseStopSignal(std::string_view s) {
  if (s.empty()) return SIGTERM;
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (s.size() > 2) return Status::InvalidArgument("invalid signal: " + std::string(s));
    int n = std::stoi(std::string(s));
    if (n < 1 || n > SIGRTMAX) return Status::InvalidArgument("invalid signal: " + std::string(s));
    return n;
  }
  std::string name(s);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name.starts_with("SIG")) name = name.substr(3);
  static const std::pair<const char*, int> kSignals[] = {
      {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
      {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
      {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
      {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
      {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
      {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
      {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
      {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
      {"SYS", SIGSYS}};
  for (const auto& [n, v] : kSignals) {
    if (name == n) return v;
  }
  auto rt = [&](std::string_view prefix, int base, int sign) -> std::optional<int> {
    if (!std::string_view(name).starts_with(prefix)) return std::nullopt;
    std::string_view off = std::string_view(name).substr(prefix.size());
    if (off.empty()) return base;
    if (off.size() > 3 ||
        !std::all_of(off.begin(), off.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    int v = base + sign * std::stoi(std::string(off));
    if (v < SIGRTMIN || v > SIGRTMAX) return std::nullopt;
    return v;
  };
  if (auto v = rt("RTMIN+", SIGRTMIN, 1)) return *v;
  if (name == "RTMIN") return SIGRTMIN;
  if (auto v = rt("RTMAX-", SIGRTMAX, -1)) return *v;
  if (name == "RTMAX") return SIGRTMAX;
  return Status::InvalidArgument("invalid signal: " + std::string(s));
}

}  // namespace nimbus::image
