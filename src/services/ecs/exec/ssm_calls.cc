#include "services/ecs/exec/ssm_calls.h"

namespace nimbus::ecs::exec {
namespace {

constexpr char kSsmTarget[] = "AmazonSSM";

}  // namespace

Resumed ResumeSession(const cli::ApiTarget& target, const std::string& id) {
  Resumed r;
  auto out = cli::CallJson(target, "ssm", kSsmTarget, "ResumeSession", {{"SessionId", id}});
  if (!out.ok()) return r;
  std::string token = out->value("TokenValue", "");
  if (token.empty()) {
    r.ended = true;
  } else {
    r.token = std::move(token);
  }
  return r;
}

void TerminateSession(const cli::ApiTarget& target, const std::string& id) {
  auto ignored = cli::CallJson(target, "ssm", kSsmTarget, "TerminateSession", {{"SessionId", id}});
  (void)ignored;
}

}  // namespace nimbus::ecs::exec
