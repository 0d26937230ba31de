#include "services/ecs/exec/exec_client.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/ids.h"
#include "protocol/ssm_message.h"
#include "protocol/websocket.h"
#include "services/ecs/cli/api_client.h"
#include "services/ecs/exec/exec_client_http.h"

namespace nimbus::ecs::exec {
namespace {

using Clock = std::chrono::steady_clock;
using ssm::PayloadType;
constexpr auto kResendAfter = std::chrono::milliseconds(500);
constexpr int kUsageExit = 255;

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

int Usage(const std::string& problem) {
  std::cerr << "nimbus ecs exec: " << problem << "\n" << EcsCommandUsage();
  return kUsageExit;
}

// Puts the terminal on stdin in raw mode for the object's lifetime.
class RawTerminal {
 public:
  RawTerminal() {
    if (::isatty(0) != 1 || ::tcgetattr(0, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

class ClientSession {
 public:
  ClientSession(int sock, std::string pending) : sock_(sock), in_(std::move(pending)) {}

  // Runs the session to its end; the command's exit code, or 255.
  int Run(const std::string& token) {
    nlohmann::json open = {{"MessageSchemaVersion", "1.0"},
                           {"RequestId", NewUuid()},
                           {"TokenValue", token},
                           {"ClientId", NewUuid()},
                           {"ClientVersion", "nimbus"}};
    if (!SendFrame(ws::Opcode::kText, open.dump())) return Lost();
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &winch, nullptr);
    int sigfd = ::signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
    RawTerminal raw;
    while (!exit_code_) {
      pollfd fds[3] = {
          {sock_, POLLIN, 0}, {ready_ && stdin_open_ ? 0 : -1, POLLIN, 0}, {sigfd, POLLIN, 0}};
      int n = ::poll(fds, 3, 100);
      if (n < 0 && errno != EINTR) return Lost();
      if (n > 0 && fds[0].revents) {
        if (!ReadSocket()) break;
      }
      if (n > 0 && fds[1].revents) ReadStdin();
      if (n > 0 && fds[2].revents) {
        signalfd_siginfo si;
        while (::read(sigfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        }
        SendSize();
      }
      ResendUnacknowledged();
    }
    if (sigfd >= 0) ::close(sigfd);
    if (!exit_code_) return Lost();
    return *exit_code_;
  }

 private:
  int Lost() {
    std::cerr << "\nnimbus ecs exec: the session's connection was lost\n";
    return 255;
  }

  bool SendFrame(ws::Opcode op, std::string_view data) {
    uint32_t mask = static_cast<uint32_t>(SystemRandom().Next());
    return WriteAll(sock_, ws::EncodeFrame(op, data, mask));
  }

  void SendInput(PayloadType type, std::string payload) {
    ssm::Message m =
        ssm::StreamData(ssm::kInputStreamData, next_out_++, type, std::move(payload), NowMs());
    std::string bytes = ssm::Encode(m);
    unacked_[m.sequence_number] = {bytes, Clock::now()};
    SendFrame(ws::Opcode::kBinary, bytes);
  }

  void SendSize() {
    winsize ws{};
    if (::ioctl(0, TIOCGWINSZ, &ws) != 0 && ::ioctl(1, TIOCGWINSZ, &ws) != 0) return;
    if (ws.ws_col == 0 || ws.ws_row == 0) return;
    SendInput(PayloadType::kSize, nlohmann::json{{"cols", ws.ws_col}, {"rows", ws.ws_row}}.dump());
  }

  void ReadStdin() {
    char buf[1024];
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {  // EOF of a pipe or file: the terminal's end-of-file character
      stdin_open_ = false;
      if (::isatty(0) != 1) SendInput(PayloadType::kOutput, "\x04");
      return;
    }
    SendInput(PayloadType::kOutput, std::string(buf, static_cast<size_t>(n)));
  }

  void ResendUnacknowledged() {
    auto now = Clock::now();
    for (auto& [seq, u] : unacked_) {
      if (now - u.second < kResendAfter) continue;
      u.second = now;
      SendFrame(ws::Opcode::kBinary, u.first);
    }
  }

  // Reads what the socket has and handles every complete frame; false once it closed.
  bool ReadSocket() {
    char buf[16 * 1024];
    ssize_t n = ::read(sock_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    in_.append(buf, static_cast<size_t>(n));
    for (;;) {
      auto frame = ws::ParseFrame(in_, false, 16 << 20);
      if (!frame.ok()) return false;
      if (!*frame) return true;
      ws::Frame& f = **frame;
      if (f.opcode == ws::Opcode::kClose) return false;
      if (f.opcode == ws::Opcode::kPing) SendFrame(ws::Opcode::kPong, f.payload);
      if (f.opcode != ws::Opcode::kBinary) continue;
      auto m = ssm::Decode(f.payload);
      if (!m.ok()) continue;
      Handle(*m);
      if (exit_code_) return true;
    }
  }

  void Handle(const ssm::Message& m) {
    if (m.message_type == ssm::kAcknowledge) {
      if (auto seq = ssm::AcknowledgedSequence(m); seq.ok()) unacked_.erase(*seq);
      return;
    }
    if (m.message_type == ssm::kChannelClosed) {
      auto body = nlohmann::json::parse(m.payload, nullptr, false);
      int code = 0;
      if (body.is_object()) {
        code = body.value("ExitCode", 0);
        std::string output = body.value("Output", "");
        if (!output.empty()) std::cerr << "\n" << output << "\n";
      }
      exit_code_ = code;
      return;
    }
    if (m.message_type != ssm::kOutputStreamData) return;
    WriteAll(sock_,
             ws::EncodeFrame(ws::Opcode::kBinary, ssm::Encode(ssm::AcknowledgeFor(m, NowMs())),
                             static_cast<uint32_t>(SystemRandom().Next())));
    if (m.sequence_number < next_in_) return;
    if (m.sequence_number > next_in_) {
      early_.emplace(m.sequence_number, m);
      return;
    }
    Process(m);
    ++next_in_;
    for (auto it = early_.find(next_in_); it != early_.end(); it = early_.find(next_in_)) {
      ssm::Message next = std::move(it->second);
      early_.erase(it);
      Process(next);
      ++next_in_;
    }
  }

  void Process(const ssm::Message& m) {
    switch (m.payload_type) {
      case PayloadType::kHandshakeRequest: {
        auto request = nlohmann::json::parse(m.payload, nullptr, false);
        nlohmann::json processed = nlohmann::json::array();
        if (request.is_object() && request.contains("RequestedClientActions")) {
          for (const auto& action : request["RequestedClientActions"]) {
            processed.push_back({{"ActionType", action.value("ActionType", "")},
                                 {"ActionStatus", 1},
                                 {"ActionResult", nullptr},
                                 {"Error", ""}});
          }
        }
        nlohmann::json response = {{"ClientVersion", "nimbus"},
                                   {"ProcessedClientActions", processed},
                                   {"Errors", nlohmann::json::array()}};
        SendInput(PayloadType::kHandshakeResponse, response.dump());
        break;
      }
      case PayloadType::kHandshakeComplete:
        ready_ = true;
        SendSize();
        break;
      case PayloadType::kOutput:
      case PayloadType::kStdErr:
        WriteAll(m.payload_type == PayloadType::kStdErr ? 2 : 1, m.payload);
        break;
      default:
        break;
    }
  }

  int sock_;
  std::string in_;
  int64_t next_out_ = 0, next_in_ = 0;
  std::map<int64_t, std::pair<std::string, Clock::time_point>> unacked_;
  std::map<int64_t, ssm::Message> early_;
  bool ready_ = false, stdin_open_ = true;
  std::optional<int> exit_code_;
};

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
  auto stream = OpenWebSocket(session.value("streamUrl", ""));
  if (!stream.ok()) {
    std::cerr << "nimbus ecs exec: " << stream.error().message() << "\n";
    return 255;
  }
  ClientSession client(stream->socket.get(), std::move(stream->pending));
  return client.Run(session.value("tokenValue", ""));
}

}  // namespace nimbus::ecs::exec
