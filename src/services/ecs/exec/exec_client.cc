#include "services/ecs/exec/exec_client.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "services/ecs/cli/api_client.h"
#include "services/ecs/exec/ssm_calls.h"
#include "services/ecs/exec/stream_client.h"

namespace nimbus::ecs::exec {
namespace {

constexpr int kUsageExit = 255;

int Usage(const std::string& problem) {
  std::cerr << "nimbus ecs exec: " << problem << "\n" << EcsCommandUsage();
  return kUsageExit;
}

}  // namespace

std::string EcsCommandUsage() {
  return "usage: nimbus ecs exec --cluster CLUSTER --task TASK [--container NAME]\n"
         "                       [--endpoint-url URL] [--region REGION] -- COMMAND [ARG...]\n"
         "  Runs COMMAND in a container of a running task started with enableExecuteCommand\n"
         "  (ECS Exec), interactively when stdin is a terminal; exits with its exit code.\n"
         "  Endpoint: --endpoint-url, else AWS_ENDPOINT_URL, else http://localhost:4566.\n"
         "  Region: --region, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1.\n";
}

int RunExecClient(const std::vector<std::string>& args) {
  cli::ApiTarget target = cli::ApiTargetFromEnvironment();
  std::string cluster = "default", task, container;
  std::vector<std::string> command;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a == "-h" || a == "--help") {
      std::cout << EcsCommandUsage();
      return 0;
    }
    std::string* value = a == "--cluster"        ? &cluster
                         : a == "--task"         ? &task
                         : a == "--container"    ? &container
                         : a == "--endpoint-url" ? &target.endpoint
                         : a == "--region"       ? &target.region
                                                 : nullptr;
    if (value == nullptr) return Usage("unknown argument " + a);
    if (i + 1 >= args.size()) return Usage(a + " needs a value");
    *value = args[++i];
  }
  if (task.empty()) return Usage("--task is required");
  if (command.empty()) return Usage("the command follows --");
  std::string line;  // the words quoted so that the agent's split gives them back
  for (const std::string& word : command) {
    if (!line.empty()) line += ' ';
    bool plain = !word.empty() && word.find_first_of(" \t\n'\"\\") == std::string::npos;
    if (plain) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
    line += '\'';
  }
  Value input = {{"cluster", cluster}, {"task", task}, {"command", line}, {"interactive", true}};
  if (!container.empty()) input["container"] = container;
  auto out = cli::CallJson(target, "ecs", "AmazonEC2ContainerServiceV20141113", "ExecuteCommand",
                           input);
  if (!out.ok()) {
    if (out.error().code() == StatusCode::kFailedPrecondition) {  // "<code>: <message>"
      const std::string& text = out.error().message();
      size_t colon = text.find(": ");
      std::cerr << "An error occurred (" << text.substr(0, colon)
                << ") when calling the ExecuteCommand operation: "
                << (colon == std::string::npos ? "" : text.substr(colon + 2)) << "\n";
      return 254;
    }
    std::cerr << "nimbus ecs exec: " << out.error().message() << "\n";
    return 255;
  }
  const Value session = out->value("session", Value::object());
  StreamSession stream{session.value("sessionId", ""), session.value("streamUrl", ""),
                       session.value("tokenValue", "")};
  StreamClientOptions options;  // a dropped connection resumes through SSM, as the plugin's
  options.resume = [&] { return ResumeSession(target, stream.session_id).token; };
  auto end = RunStreamClient(stream, options);
  if (!end.ok()) {
    std::cerr << "nimbus ecs exec: " << end.error().message() << "\n";
    return 255;
  }
  if (!end->closed) {
    std::cerr << "\nnimbus ecs exec: the session's connection was lost\n";
    return 255;
  }
  if (!end->output.empty()) std::cerr << "\n" << end->output << "\n";
  return end->exit_code.value_or(0);
}

}  // namespace nimbus::ecs::exec
