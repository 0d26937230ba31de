#include "services/ecs/exec/session_manager_plugin.h"

#include <cstdlib>
#include <optional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "services/ecs/cli/api_client.h"
#include "services/ecs/cli/profile_keys.h"
#include "services/ecs/exec/ssm_calls.h"
#include "services/ecs/exec/stream_client.h"

namespace nimbus::ecs::exec {
namespace {

// A member of the session JSON: StartSession answers SessionId, ExecuteCommand sessionId (AWS's
// plugin reads both: Go's JSON matches names without regard to case).
std::string Member(const nlohmann::json& session, const std::string& upper) {
  std::string lower = upper;
  lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
  for (const std::string& name : {upper, lower}) {
    auto it = session.find(name);
    if (it != session.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

int CannotStart(const cli::ApiTarget& target, const std::string& id, const std::string& why) {
  if (!id.empty()) TerminateSession(target, id);  // as AWS's plugin: best effort
  std::cerr << "Cannot perform start session: " << why << "\n";
  return 1;
}

}  // namespace

int RunSessionManagerPlugin(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << "\nThe Session Manager plugin was installed successfully. Use the AWS CLI to "
                 "start a session.\n\n";
    return 0;
  }
  if (args.size() == 1 && args[0] == "--version") {
    std::cout << kPluginVersion << "\n";
    return 0;
  }
  if (args.size() < 3) {
    std::cerr << "\nUnknown operation " << args[0]
              << ". \nUse session-manager-plugin --version to check the version.\n\n";
    return 0;
  }
  if (args[2] != "StartSession") {
    std::cerr << "Invalid Operation";
    return 0;
  }
  cli::ApiTarget target = cli::ApiTargetFromEnvironment();
  if (!args[1].empty()) target.region = args[1];
  // The profile the CLI ran with (--profile or AWS_PROFILE) signs the plugin's SSM calls, as
  // AWS's plugin does; without one, the environment's keys.
  if (args.size() > 3 && !args[3].empty()) {
    if (auto keys = cli::ReadProfileKeys(args[3])) {
      target.access_key_id = keys->access_key_id;
      target.secret_access_key = keys->secret_access_key;
      target.session_token = keys->session_token;
    }
  }
  if (args.size() > 5 && !args[5].empty()) target.endpoint = args[5];
  std::string response = args[0];
  if (response.starts_with("AWS_SSM_START_SESSION_RESPONSE")) {
    const char* value = std::getenv(response.c_str());
    response = value != nullptr ? value : "";
    ::unsetenv(args[0].c_str());
  }
  auto session = nlohmann::json::parse(response, nullptr, false);
  if (!session.is_object()) return CannotStart(target, "", "the session is not a JSON object");
  StreamSession stream{Member(session, "SessionId"), Member(session, "StreamUrl"),
                       Member(session, "TokenValue")};
  if (stream.session_id.empty() || stream.stream_url.empty() || stream.token.empty()) {
    return CannotStart(target, stream.session_id,
                       "the session needs SessionId, StreamUrl and TokenValue");
  }
  std::cout << "\nStarting session with SessionId: " << stream.session_id << "\n" << std::flush;
  StreamClientOptions options;
  options.client_version = kPluginVersion;
  bool ended = false;  // ResumeSession says the session ended while the stream was down
  options.resume = [&]() -> std::optional<std::string> {
    Resumed resumed = ResumeSession(target, stream.session_id);
    ended = resumed.ended;
    return resumed.token;
  };
  auto end = RunStreamClient(stream, options);
  if (!end.ok()) return CannotStart(target, stream.session_id, end.error().message());
  if (!end->closed && ended) {  // AWS's plugin says so and exits 0
    std::cout << "Session: " << stream.session_id << " timed out.\n" << std::flush;
    return 0;
  }
  if (!end->closed) {
    return CannotStart(target, stream.session_id, "the data channel's connection was lost");
  }
  if (end->output.empty()) {
    std::cout << "\n\nExiting session with sessionId: " << stream.session_id << ".\n\n";
  } else {
    std::cout << "\n\nSessionId: " << stream.session_id << " : " << end->output << "\n\n";
  }
  std::cout << std::flush;
  return 0;
}

}  // namespace nimbus::ecs::exec
