#include "services/ecs/exec/exec_sessions.h"

#include <openssl/crypto.h>

#include <iterator>

#include "core/ids.h"

namespace nimbus::ecs::exec {

IssuedSession ExecSessions::Issue(ExecTarget target) {
  IssuedSession s;
  s.session_id = "ecs-execute-command-" + RandomHex(17);
  s.token = RandomHex(64);
  s.stream_url = base_url_ + "/v1/data-channel/" + s.session_id + "?role=publish_subscribe";
  auto now = Clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  ForgetExpiredLocked(now);
  pending_[s.session_id] = Pending{s.token, std::move(target), now};
  return s;
}

std::optional<ExecTarget> ExecSessions::Redeem(const std::string& session_id,
                                               const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  ForgetExpiredLocked(Clock::now());
  auto it = pending_.find(session_id);
  if (it == pending_.end() || it->second.token.size() != token.size() ||
      CRYPTO_memcmp(it->second.token.data(), token.data(), token.size()) != 0) {
    return std::nullopt;
  }
  ExecTarget target = std::move(it->second.target);
  pending_.erase(it);
  return target;
}

void ExecSessions::ForgetExpiredLocked(Clock::time_point now) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = now - it->second.issued > kRedeemWindow ? pending_.erase(it) : std::next(it);
  }
}

std::vector<std::string> SplitCommand(const std::string& command) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size() &&
                 (command[i + 1] == '"' || command[i + 1] == '\\')) {
        word.push_back(command[++i]);
      } else {
        word.push_back(c);
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\' && i + 1 < command.size()) {
      word.push_back(command[++i]);
    } else {
      word.push_back(c);
    }
  }
  if (quote) return {};
  if (in_word) out.push_back(std::move(word));
  return out;
}

}  // namespace nimbus::ecs::exec
