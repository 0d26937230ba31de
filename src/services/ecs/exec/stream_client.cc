#include "services/ecs/exec/stream_client.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/ids.h"
#include "protocol/ssm_message.h"
#include "protocol/websocket.h"
#include "services/ecs/exec/exec_client_http.h"

namespace nimbus::ecs::exec {
namespace {

using Clock = std::chrono::steady_clock;
using ssm::PayloadType;
constexpr auto kResendAfter = std::chrono::milliseconds(500);
constexpr int kResumeAttempts = 5;

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
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

class StreamClient {
 public:
  StreamClient(const StreamSession& session, const StreamClientOptions& options)
      : session_(session), options_(options) {}

  Result<StreamEnd> Run() {
    if (Status opened = Connect(session_.token); !opened.ok()) return opened;
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &winch, nullptr);
    int sigfd = ::signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
    RawTerminal raw;
    while (!end_.closed) {
      pollfd fds[3] = {{sock_.get(), POLLIN, 0},
                       {ready_ && stdin_open_ ? 0 : -1, POLLIN, 0},
                       {sigfd, POLLIN, 0}};
      int n = ::poll(fds, 3, 100);
      if (n < 0 && errno != EINTR) break;
      if (n > 0 && fds[0].revents && !ReadSocket() && !Resume()) break;
      if (n > 0 && fds[1].revents) ReadStdin();
      if (n > 0 && fds[2].revents) {
        signalfd_siginfo si;
        while (::read(sigfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        }
        SendSize();
      }
      ResendUnacknowledged(false);
    }
    if (sigfd >= 0) ::close(sigfd);
    return end_;
  }

 private:
  // Opens the stream and sends the open frame with `token`.
  Status Connect(const std::string& token) {
    auto stream = OpenWebSocket(session_.stream_url);
    if (!stream.ok()) return stream.error();
    sock_ = std::move(stream->socket);
    in_ = std::move(stream->pending);
    nlohmann::json open = {{"MessageSchemaVersion", "1.0"},
                           {"RequestId", NewUuid()},
                           {"TokenValue", token},
                           {"ClientId", client_id_},
                           {"ClientVersion", options_.client_version}};
    if (!SendFrame(ws::Opcode::kText, open.dump())) {
      return Status::Unavailable("the connection to " + session_.stream_url + " closed");
    }
    return Status::Ok();
  }

  // After a lost connection: a new token, the stream reopened, what is unacknowledged resent.
  bool Resume() {
    sock_.reset();
    if (!options_.resume) return false;
    auto wait = std::chrono::milliseconds(200);
    for (int attempt = 0; attempt < kResumeAttempts; ++attempt, wait *= 2) {
      std::optional<std::string> token = options_.resume();
      if (!token) return false;
      if (Connect(*token).ok()) {
        ResendUnacknowledged(true);
        return true;
      }
      std::this_thread::sleep_for(wait);
    }
    return false;
  }

  bool SendFrame(ws::Opcode op, std::string_view data) {
    if (!sock_.valid()) return false;
    uint32_t mask = static_cast<uint32_t>(SystemRandom().Next());
    return WriteAll(sock_.get(), ws::EncodeFrame(op, data, mask));
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

  void ResendUnacknowledged(bool all) {
    auto now = Clock::now();
    for (auto& [seq, u] : unacked_) {
      if (!all && now - u.second < kResendAfter) continue;
      u.second = now;
      SendFrame(ws::Opcode::kBinary, u.first);
    }
  }

  // Reads what the socket has and handles every complete frame; false once it closed.
  bool ReadSocket() {
    char buf[16 * 1024];
    ssize_t n = ::read(sock_.get(), buf, sizeof buf);
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
      Handle(std::move(*m));
      if (end_.closed) return true;
    }
  }

  void Handle(ssm::Message m) {
    if (m.message_type == ssm::kAcknowledge) {
      if (auto seq = ssm::AcknowledgedSequence(m); seq.ok()) unacked_.erase(*seq);
      return;
    }
    if (m.message_type == ssm::kChannelClosed) {
      auto body = nlohmann::json::parse(m.payload, nullptr, false);
      if (body.is_object()) {
        if (body.contains("ExitCode") && body["ExitCode"].is_number_integer()) {
          end_.exit_code = body["ExitCode"].get<int>();
        }
        if (body.contains("Output") && body["Output"].is_string()) {
          end_.output = body["Output"].get<std::string>();
        }
      }
      end_.closed = true;
      return;
    }
    if (m.message_type != ssm::kOutputStreamData) return;
    SendFrame(ws::Opcode::kBinary, ssm::Encode(ssm::AcknowledgeFor(m, NowMs())));
    for (const ssm::Message& ready : in_order_.Take(std::move(m))) Process(ready);
  }

  void Process(const ssm::Message& m) {
    switch (m.payload_type) {
      case PayloadType::kHandshakeRequest: {
        auto request = nlohmann::json::parse(m.payload, nullptr, false);
        nlohmann::json processed = nlohmann::json::array();
        if (request.is_object() && request.contains("RequestedClientActions") &&
            request["RequestedClientActions"].is_array()) {
          for (const auto& action : request["RequestedClientActions"]) {
            if (!action.is_object()) continue;
            processed.push_back({{"ActionType", action.value("ActionType", "")},
                                 {"ActionStatus", 1},
                                 {"ActionResult", nullptr},
                                 {"Error", ""}});
          }
        }
        nlohmann::json response = {{"ClientVersion", options_.client_version},
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

  const StreamSession& session_;
  const StreamClientOptions& options_;
  std::string client_id_ = NewUuid();
  sandbox::UniqueFd sock_;
  std::string in_;
  int64_t next_out_ = 0;
  std::map<int64_t, std::pair<std::string, Clock::time_point>> unacked_;
  ssm::InOrder in_order_;
  bool ready_ = false, stdin_open_ = true;
  StreamEnd end_;
};

}  // namespace

Result<StreamEnd> RunStreamClient(const StreamSession& session,
                                  const StreamClientOptions& options) {
  return StreamClient(session, options).Run();
}

}  // namespace nimbus::ecs::exec
