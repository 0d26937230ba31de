#include "services/ecs/exec/exec_sessions.h"

#include <openssl/crypto.h>

#include "core/ids.h"

namespace nimbus::ecs::exec {

const char* StatusName(SessionStatus status) {
  switch (status) {
    case SessionStatus::kConnecting:
      return "Connecting";
    case SessionStatus::kConnected:
      return "Connected";
    case SessionStatus::kDisconnected:
      return "Disconnected";
    case SessionStatus::kTerminating:
      return "Terminating";
    case SessionStatus::kTerminated:
      return "Terminated";
  }
  return "Failed";
}

std::string ExecSessions::NewToken(Session& s) {
  s.token = RandomHex(64);
  s.token_issued = Clock::now();
  return s.token;
}

IssuedSession ExecSessions::Issue(ExecTarget target, const std::string& id_prefix) {
  IssuedSession issued;
  issued.session_id = id_prefix + "-" + RandomHex(17);
  issued.stream_url =
      base_url_ + "/v1/data-channel/" + issued.session_id + "?role=publish_subscribe";
  Session s;
  s.info.session_id = issued.session_id;
  s.info.target = target.ssm_target;
  s.info.owner = target.owner;
  s.info.document = target.document;
  s.info.start = std::chrono::system_clock::now();
  s.target = std::move(target);
  issued.token = NewToken(s);
  std::lock_guard<std::mutex> lock(mu_);
  ForgetExpiredLocked(Clock::now());
  sessions_.emplace(issued.session_id, std::move(s));
  return issued;
}

ExecSessions::Redeemed ExecSessions::Redeem(const std::string& session_id,
                                            const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  ForgetExpiredLocked(Clock::now());
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.info.end) return {};
  Session& s = it->second;
  if (s.token.empty() || s.token.size() != token.size() ||
      CRYPTO_memcmp(s.token.data(), token.data(), token.size()) != 0) {
    return {};
  }
  s.token.clear();
  Redeemed r;
  if (!s.started) {
    s.started = true;
    r.start = s.target;
  } else {
    r.live = s.channel.lock();
  }
  return r;
}

void ExecSessions::SetChannel(const std::string& session_id, std::weak_ptr<LiveChannel> channel) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session_id);
  if (it != sessions_.end()) it->second.channel = std::move(channel);
}

void ExecSessions::SetStatus(const std::string& session_id, SessionStatus status) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.info.end) return;
  if (status == SessionStatus::kTerminated) {
    EndLocked(it->second);
    TrimHistoryLocked();
  } else if (it->second.info.status != SessionStatus::kTerminating) {
    it->second.info.status = status;
  }
}

Result<IssuedSession> ExecSessions::Resume(const Scope& scope, const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  ForgetExpiredLocked(Clock::now());
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || !(it->second.target.scope == scope)) {
    return Status::NotFound("Session " + session_id + " does not exist.");
  }
  IssuedSession issued;
  issued.session_id = session_id;
  if (it->second.info.end || it->second.info.status == SessionStatus::kTerminating) {
    return issued;
  }
  issued.stream_url = base_url_ + "/v1/data-channel/" + session_id + "?role=publish_subscribe";
  issued.token = NewToken(it->second);
  return issued;
}

void ExecSessions::Terminate(const Scope& scope, const std::string& session_id) {
  std::shared_ptr<LiveChannel> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(session_id);
    if (it == sessions_.end() || !(it->second.target.scope == scope) || it->second.info.end) {
      return;
    }
    Session& s = it->second;
    s.token.clear();
    live = s.channel.lock();
    if (live) {
      s.info.status = SessionStatus::kTerminating;  // the channel ends it
    } else {
      EndLocked(s);  // never opened, or its channel is gone
      TrimHistoryLocked();
    }
  }
  if (live) live->Terminate();
}

std::vector<SessionInfo> ExecSessions::List(const Scope& scope, bool active) {
  std::lock_guard<std::mutex> lock(mu_);
  ForgetExpiredLocked(Clock::now());
  std::vector<SessionInfo> out;
  for (const auto& [id, s] : sessions_) {
    if (s.target.scope == scope && s.info.end.has_value() != active) out.push_back(s.info);
  }
  return out;
}

void ExecSessions::EndLocked(Session& s) {
  s.info.status = SessionStatus::kTerminated;
  s.info.end = std::chrono::system_clock::now();
  s.token.clear();
  s.channel.reset();
  ++ended_;
}

void ExecSessions::TrimHistoryLocked() {
  if (ended_ <= kMaxHistory) return;
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.info.end &&
        (oldest == sessions_.end() || *it->second.info.end < *oldest->second.info.end)) {
      oldest = it;
    }
  }
  if (oldest != sessions_.end()) {
    sessions_.erase(oldest);
    --ended_;
  }
}

// A session whose token was not redeemed within kRedeemWindow and that has no live channel
// ends (a resumed one whose client never came back too).
void ExecSessions::ForgetExpiredLocked(Clock::time_point now) {
  for (auto& [id, s] : sessions_) {
    if (s.info.end || s.token.empty() || now - s.token_issued <= kRedeemWindow) continue;
    s.token.clear();
    if (!s.channel.lock()) EndLocked(s);
  }
  TrimHistoryLocked();
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
