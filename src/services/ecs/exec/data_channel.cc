#include "services/ecs/exec/data_channel.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "protocol/ssm_message.h"
#include "protocol/websocket.h"
#include "sandbox/sandbox.h"
#include "sandbox/fd.h"

namespace nimbus::ecs::exec {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using ssm::PayloadType;
constexpr auto kAwait = asio::use_awaitable;

constexpr auto kResendAfter = std::chrono::milliseconds(300);
constexpr auto kTick = std::chrono::milliseconds(100);
constexpr auto kFinalAckWait = std::chrono::seconds(10);
constexpr size_t kMaxBufferedInput = 1000;  // out-of-order client messages kept

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

asio::awaitable<void> Sleep(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  error_code ec;
  co_await t.async_wait(asio::redirect_error(kAwait, ec));
}

// A pty pair: the master nimbus keeps, the replica the command gets.
struct Pty {
  sandbox::UniqueFd master, replica;
};

Result<Pty> OpenPty() {
  Pty p;
  p.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.master.valid()) return sandbox::ErrnoStatus("posix_openpt", errno);
  char name[128];
  if (::grantpt(p.master.get()) != 0 || ::unlockpt(p.master.get()) != 0 ||
      ::ptsname_r(p.master.get(), name, sizeof name) != 0) {
    return sandbox::ErrnoStatus("pty", errno);
  }
  p.replica.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.replica.valid()) return sandbox::ErrnoStatus(std::string("open ") + name, errno);
  return p;
}

class Channel {
 public:
  Channel(ws::Connection& conn, asio::any_io_executor ex, std::string session_id,
          std::chrono::seconds idle_timeout, std::shared_ptr<TaskRuntime> runtime)
      : conn_(conn),
        ex_(ex),
        session_id_(std::move(session_id)),
        idle_timeout_(idle_timeout),
        runtime_(std::move(runtime)),
        pty_(ex),
        exit_(ex) {}

  asio::awaitable<void> Serve(ExecTarget target) {
    target_ = std::move(target);
    last_activity_ = Clock::now();
    handshake_sent_ = Clock::now();
    nlohmann::json request = {
        {"AgentVersion", "3.3.1142.0"},
        {"RequestedClientActions",
         {{{"ActionType", "SessionType"},
           {"ActionParameters",
            {{"SessionType", "InteractiveCommands"}, {"Properties", nlohmann::json::object()}}}}}}};
    co_await SendStream(PayloadType::kHandshakeRequest, request.dump());
    Spawn([this]() -> asio::awaitable<void> { co_await Housekeeping(); });
    while (auto message = co_await conn_.Receive()) {
      if (message->opcode != ws::Opcode::kBinary) continue;
      auto decoded = ssm::Decode(message->data);
      if (!decoded.ok()) continue;
      last_activity_ = Clock::now();
      co_await Dispatch(*decoded);
    }
    // The client left, or the session ended: nothing more runs.
    done_ = true;
    if (process_) process_->Kill();
    error_code ignored;
    pty_.close(ignored);
    exit_.close(ignored);
    while (live_ > 0) co_await Sleep(std::chrono::milliseconds(1));
  }

 private:
  template <class F>
  void Spawn(F f) {
    ++live_;
    asio::co_spawn(
        ex_,
        [this, f = std::move(f)]() -> asio::awaitable<void> {
          try {
            co_await f();
          } catch (const std::exception&) {
          }
          --live_;
        },
        asio::detached);
  }

  asio::awaitable<void> SendStream(PayloadType type, std::string payload) {
    ssm::Message m =
        ssm::StreamData(ssm::kOutputStreamData, next_out_++, type, std::move(payload), NowMs());
    std::string bytes = ssm::Encode(m);
    unacked_[m.sequence_number] = Unacked{bytes, Clock::now()};
    co_await conn_.Send(ws::Opcode::kBinary, bytes);
  }

  asio::awaitable<void> Dispatch(const ssm::Message& m) {
    if (m.message_type == ssm::kAcknowledge) {
      auto seq = ssm::AcknowledgedSequence(m);
      if (seq.ok()) unacked_.erase(*seq);
      co_return;
    }
    if (m.message_type != ssm::kInputStreamData) co_return;
    co_await conn_.Send(ws::Opcode::kBinary, ssm::Encode(ssm::AcknowledgeFor(m, NowMs())));
    for (const ssm::Message& ready : in_order_.Take(m)) co_await Handle(ready);
  }

  asio::awaitable<void> Handle(const ssm::Message& m) {
    if (!handshake_done_ && m.payload_type != PayloadType::kHandshakeResponse) {
      // A client without the handshake (as agents before it, e.g. npm ssm-session): its first
      // size or input starts the command.
      handshake_done_ = true;
      if (m.payload_type == PayloadType::kSize) co_await Handle(m);
      co_await StartCommand();
      if (m.payload_type == PayloadType::kSize) co_return;
    }
    switch (m.payload_type) {
      case PayloadType::kHandshakeResponse:
        if (handshake_done_) break;
        handshake_done_ = true;
        {
          auto took =
              std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - handshake_sent_);
          nlohmann::json complete = {{"HandshakeTimeToComplete", took.count()},
                                     {"CustomerMessage", ""}};
          co_await SendStream(PayloadType::kHandshakeComplete, complete.dump());
        }
        co_await StartCommand();
        break;
      case PayloadType::kOutput:
        if (pty_.is_open() && !m.payload.empty()) {
          error_code ec;
          co_await asio::async_write(pty_, asio::buffer(m.payload),
                                     asio::redirect_error(kAwait, ec));
        }
        break;
      case PayloadType::kSize: {
        auto size = nlohmann::json::parse(m.payload, nullptr, false);
        if (!size.is_object()) break;
        int cols = size.value("cols", 0), rows = size.value("rows", 0);
        if (cols <= 0 || rows <= 0 || cols > 65535 || rows > 65535) break;
        size_ = winsize{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols), 0, 0};
        if (pty_.is_open()) ::ioctl(pty_.native_handle(), TIOCSWINSZ, &*size_);
        break;
      }
      case PayloadType::kFlag:
        if (m.payload.size() == 4 &&
            static_cast<uint32_t>(static_cast<uint8_t>(m.payload[3])) ==
                static_cast<uint32_t>(ssm::ClientFlag::kTerminateSession)) {
          if (process_) process_->Kill();
        }
        break;
      default:
        break;
    }
  }

  asio::awaitable<void> StartCommand() {
    auto pty = OpenPty();
    if (!pty.ok()) {
      co_await Fail("Unable to start command: " + pty.error().message(), 126);
      co_return;
    }
    winsize ws = size_.value_or(winsize{24, 80, 0, 0});
    ::ioctl(pty->master.get(), TIOCSWINSZ, &ws);
    auto process = runtime_->Exec(target_.scope, target_.task_id, target_.container, target_.argv,
                                  pty->replica.get());
    pty->replica.reset();  // the command alone holds it: EOF (EIO) once it is gone
    if (!process.ok()) {
      int code = process.error().code() == StatusCode::kNotFound ? 127 : 126;
      co_await Fail("Unable to start command: " + process.error().message(), code);
      co_return;
    }
    process_ = std::move(*process);
    int exit_fd = ::fcntl(process_->exit_fd(), F_DUPFD_CLOEXEC, 3);
    if (exit_fd >= 0) exit_.assign(exit_fd);
    pty_.assign(pty->master.release());
    Spawn([this]() -> asio::awaitable<void> { co_await PumpOutput(); });
    Spawn([this]() -> asio::awaitable<void> { co_await AwaitExit(); });
  }

  // The pty's output, as it comes, until the replica is closed or the read is cancelled.
  asio::awaitable<void> PumpOutput() {
    char buf[4096];
    for (;;) {
      error_code ec;
      size_t n = co_await pty_.async_read_some(asio::buffer(buf), asio::redirect_error(kAwait, ec));
      if (n > 0 && !done_) {
        last_activity_ = Clock::now();
        co_await SendStream(PayloadType::kOutput, std::string(buf, n));
      }
      if (ec || done_) break;
    }
    pump_done_ = true;
  }

  // Once the command has exited: what the pty still holds, then the end of the channel.
  asio::awaitable<void> AwaitExit() {
    error_code ec;
    if (exit_.is_open()) {
      co_await exit_.async_wait(asio::posix::descriptor_base::wait_read,
                                asio::redirect_error(kAwait, ec));
    }
    if (done_) co_return;
    std::optional<sandbox::ExitStatus> status;
    while (!(status = process_->TryWait())) co_await Sleep(std::chrono::milliseconds(5));
    // The replica may still be held by something the command left running: take what is
    // there now instead of waiting for its end.
    while (!pump_done_ && !done_) {
      int pending = 0;
      if (::ioctl(pty_.native_handle(), FIONREAD, &pending) != 0 || pending == 0) {
        error_code ignored;
        pty_.cancel(ignored);
      }
      co_await Sleep(std::chrono::milliseconds(2));
    }
    int code = status->exited ? status->code : 128 + status->signal;
    co_await Close(code, "");
  }

  // Reports a command that could not start, then ends the channel.
  asio::awaitable<void> Fail(const std::string& message, int code) {
    co_await SendStream(PayloadType::kOutput, message + "\r\n");
    co_await Close(code, "");
  }

  // Waits (a while) for the client to acknowledge every output message, then channel_closed and
  // the WebSocket's closing handshake.
  asio::awaitable<void> Close(int exit_code, const std::string& output) {
    auto until = Clock::now() + kFinalAckWait;
    while (!unacked_.empty() && !conn_.closed() && Clock::now() < until) {
      co_await Sleep(std::chrono::milliseconds(5));
    }
    if (conn_.closed()) co_return;
    nlohmann::json closed = {{"MessageId", NewUuid()},
                             {"CreatedDate", std::to_string(NowMs())},
                             {"DestinationId", ""},
                             {"SessionId", session_id_},
                             {"MessageType", std::string(ssm::kChannelClosed)},
                             {"SchemaVersion", 1},
                             {"Output", output},
                             {"ExitCode", exit_code}};
    ssm::Message m;
    m.message_type = std::string(ssm::kChannelClosed);
    m.created_ms = NowMs();
    m.message_id = NewUuid();
    m.payload_type = PayloadType::kOutput;
    m.payload = closed.dump();
    co_await conn_.Send(ws::Opcode::kBinary, ssm::Encode(m));
    co_await conn_.Close(1000);
  }

  // Resends output the client has not acknowledged; ends a session idle for too long.
  asio::awaitable<void> Housekeeping() {
    while (!done_ && !conn_.closed()) {
      co_await Sleep(kTick);
      auto now = Clock::now();
      for (auto& [seq, u] : unacked_) {
        if (now - u.sent < kResendAfter) continue;
        u.sent = now;
        co_await conn_.Send(ws::Opcode::kBinary, u.bytes);
        if (done_) co_return;
      }
      if (now - last_activity_ > idle_timeout_ && !idle_ended_) {
        idle_ended_ = true;
        if (process_) {
          process_->Kill();  // AwaitExit closes the channel
        } else {
          co_await Close(137, "Session terminated due to inactivity.");
        }
      }
    }
  }

  struct Unacked {
    std::string bytes;
    Clock::time_point sent;
  };

  ws::Connection& conn_;
  asio::any_io_executor ex_;
  std::string session_id_;
  std::chrono::seconds idle_timeout_;
  std::shared_ptr<TaskRuntime> runtime_;
  ExecTarget target_;
  asio::posix::stream_descriptor pty_;   // the pty's master
  asio::posix::stream_descriptor exit_;  // a copy of the command's pidfd
  std::unique_ptr<sandbox::Sandbox> process_;
  std::optional<winsize> size_;
  int64_t next_out_ = 0;  // sequence number of the next output message
  std::map<int64_t, Unacked> unacked_;
  ssm::InOrder in_order_{kMaxBufferedInput};  // the client's stream messages, in order
  Clock::time_point last_activity_, handshake_sent_;
  bool handshake_done_ = false, pump_done_ = false, done_ = false, idle_ended_ = false;
  int live_ = 0;  // coroutines spawned and not finished
};

}  // namespace

asio::awaitable<void> DataChannelSession::Run(UpgradedStream& stream) {
  ws::Connection conn(stream);
  auto open = co_await conn.Receive();
  if (!open || open->opcode != ws::Opcode::kText) {
    co_await conn.Close(1008, "expected the open data channel frame");
    co_return;
  }
  auto frame = nlohmann::json::parse(open->data, nullptr, false);
  std::string token;
  if (frame.is_object() && frame.contains("TokenValue") && frame["TokenValue"].is_string()) {
    token = frame["TokenValue"].get<std::string>();
  }
  auto target = sessions_->Redeem(session_id_, token);
  if (!target) {
    co_await conn.Close(1008, "invalid or used token");
    co_return;
  }
  Channel channel(conn, co_await asio::this_coro::executor, session_id_, sessions_->idle_timeout(),
                  runtime_);
  co_await channel.Serve(std::move(*target));
}

}  // namespace nimbus::ecs::exec
