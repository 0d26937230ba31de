#include "services/ecs/exec/data_channel.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/ids.h"
#include "protocol/ssm_message.h"
#include "protocol/websocket.h"
#include "sandbox/fd.h"
#include "sandbox/sandbox.h"

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
constexpr auto kBackoff = std::chrono::milliseconds(5);
constexpr auto kMaxReattachWindow = std::chrono::seconds(120);
constexpr size_t kMaxBufferedInput = 1000;  // out-of-order client messages kept
constexpr size_t kMaxUnacked = 256;         // output messages in flight before the pty waits

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

// One client connection to a session's stream, on the connection's event loop. The channel
// sends through it from its own loop: a send is started on the link's loop and counted, so the
// connection outlives every send the channel began.
struct Link {
  ws::Connection* conn;
  asio::any_io_executor ex;
  bool open = true;  // false once the connection's coroutine stops receiving
  int sending = 0;
};

// A session's agent end. Lives on the event loop of the connection that started it (every
// member is used there only), from the first redeemed token until the command has exited and
// channel_closed went out, the session was terminated, or its client stayed away longer than
// the reattach window. Owned by its coroutines and its current connection.
class Channel : public LiveChannel, public std::enable_shared_from_this<Channel> {
 public:
  Channel(asio::any_io_executor ex, std::string session_id, std::shared_ptr<ExecSessions> sessions,
          std::shared_ptr<TaskRuntime> runtime, ExecTarget target)
      : ex_(ex),
        session_id_(std::move(session_id)),
        sessions_(std::move(sessions)),
        runtime_(std::move(runtime)),
        target_(std::move(target)),
        pty_(ex),
        exit_(ex),
        wake_(ex) {}

  asio::any_io_executor executor() const { return ex_; }

  void Terminate() override {
    asio::post(ex_, [self = shared_from_this()] { self->Stop(); });
  }

  // (On ex_.) A client connection took over the stream: the first one gets the handshake,
  // a later one (after ResumeSession) what it has not acknowledged.
  void Attach(std::shared_ptr<Link> link) {
    if (finished_) {
      CloseLink(link);
      return;
    }
    if (link_ && link_ != link) CloseLink(link_);  // a resume while the old one lingers
    link_ = std::move(link);
    attached_at_ = last_activity_ = Clock::now();
    sessions_->SetStatus(session_id_, SessionStatus::kConnected);
    if (!started_) {
      started_ = true;
      handshake_sent_ = Clock::now();
      nlohmann::json request = {{"AgentVersion", "3.3.1142.0"},
                                {"RequestedClientActions",
                                 {{{"ActionType", "SessionType"},
                                   {"ActionParameters",
                                    {{"SessionType", "InteractiveCommands"},
                                     {"Properties", nlohmann::json::object()}}}}}}};
      SendStream(PayloadType::kHandshakeRequest, request.dump());
      Spawn(ex_, [self = shared_from_this()]() -> asio::awaitable<void> {
        co_await self->ProcessInput();
      });
      Spawn(ex_, [self = shared_from_this()]() -> asio::awaitable<void> {
        co_await self->Housekeeping();
      });
      return;
    }
    for (auto& [seq, u] : unacked_) {
      u.sent = Clock::now();
      Transmit(u.bytes);
    }
  }

  // (On ex_.) The connection went away; the session waits for a resume.
  void Detach(const std::shared_ptr<Link>& link) {
    if (link_ != link) return;
    link_.reset();
    detached_since_ = Clock::now();
    if (!finished_) sessions_->SetStatus(session_id_, SessionStatus::kDisconnected);
  }

  // (On ex_.) A message from the client, handled in arrival order.
  void Receive(ssm::Message m) {
    last_activity_ = Clock::now();
    inbox_.push_back(std::move(m));
    wake_.cancel();
  }

 private:
  template <class F>
  static void Spawn(asio::any_io_executor ex, F f) {
    asio::co_spawn(
        ex,
        [f = std::move(f)]() -> asio::awaitable<void> {
          try {
            co_await f();
          } catch (const std::exception&) {
          }
        },
        asio::detached);
  }

  // Closes a connection (a close frame, then the stream) from its own loop.
  static void CloseLink(std::shared_ptr<Link> link) {
    Spawn(link->ex, [link]() -> asio::awaitable<void> {
      if (!link->open) co_return;
      ++link->sending;
      co_await link->conn->Close(1000);
      --link->sending;
    });
  }

  // Sends bytes through the current connection, if any (a resume resends what matters).
  void Transmit(std::string bytes) {
    if (!link_) return;
    Spawn(link_->ex, [link = link_, bytes = std::move(bytes)]() -> asio::awaitable<void> {
      if (!link->open) co_return;
      ++link->sending;
      co_await link->conn->Send(ws::Opcode::kBinary, bytes);
      --link->sending;
    });
  }

  void SendStream(PayloadType type, std::string payload) {
    ssm::Message m =
        ssm::StreamData(ssm::kOutputStreamData, next_out_++, type, std::move(payload), NowMs());
    std::string bytes = ssm::Encode(m);
    unacked_[m.sequence_number] = Unacked{bytes, Clock::now()};
    Transmit(std::move(bytes));
  }

  // The client's messages one at a time, in arrival order, until the channel finished.
  asio::awaitable<void> ProcessInput() {
    while (!finished_) {
      if (inbox_.empty()) {
        wake_.expires_at(Clock::time_point::max());
        error_code ec;
        co_await wake_.async_wait(asio::redirect_error(kAwait, ec));
        continue;
      }
      ssm::Message m = std::move(inbox_.front());
      inbox_.pop_front();
      co_await Dispatch(m);
    }
  }

  asio::awaitable<void> Dispatch(const ssm::Message& m) {
    if (m.message_type == ssm::kAcknowledge) {
      auto seq = ssm::AcknowledgedSequence(m);
      if (seq.ok()) unacked_.erase(*seq);
      co_return;
    }
    if (m.message_type != ssm::kInputStreamData) co_return;
    Transmit(ssm::Encode(ssm::AcknowledgeFor(m, NowMs())));
    for (const ssm::Message& ready : in_order_.Take(m)) co_await Handle(ready);
  }

  asio::awaitable<void> Handle(const ssm::Message& m) {
    if (!handshake_done_ && m.payload_type != PayloadType::kHandshakeResponse) {
      // A client without the handshake (as agents before it, e.g. npm ssm-session): its first
      // size or input starts the command.
      handshake_done_ = true;
      if (m.payload_type == PayloadType::kSize) co_await Handle(m);
      StartCommand();
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
          SendStream(PayloadType::kHandshakeComplete, complete.dump());
        }
        StartCommand();
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
          Stop();
        }
        break;
      default:
        break;
    }
  }

  void StartCommand() {
    if (finished_ || closing_) return;
    auto pty = OpenPty();
    if (!pty.ok()) {
      Fail("Unable to start command: " + pty.error().message(), 126);
      return;
    }
    winsize ws = size_.value_or(winsize{24, 80, 0, 0});
    ::ioctl(pty->master.get(), TIOCSWINSZ, &ws);
    auto process = runtime_->Exec(target_.scope, target_.task_id, target_.container, target_.argv,
                                  pty->replica.get());
    pty->replica.reset();  // the command alone holds it: EOF (EIO) once it is gone
    if (!process.ok()) {
      int code = process.error().code() == StatusCode::kNotFound ? 127 : 126;
      Fail("Unable to start command: " + process.error().message(), code);
      return;
    }
    process_ = std::move(*process);
    int exit_fd = ::fcntl(process_->exit_fd(), F_DUPFD_CLOEXEC, 3);
    if (exit_fd >= 0) exit_.assign(exit_fd);
    pty_.assign(pty->master.release());
    Spawn(ex_,
          [self = shared_from_this()]() -> asio::awaitable<void> { co_await self->PumpOutput(); });
    Spawn(ex_,
          [self = shared_from_this()]() -> asio::awaitable<void> { co_await self->AwaitExit(); });
  }

  // The pty's output, as it comes, until the replica is closed or the read is cancelled; held
  // back while too much of it is unacknowledged (a slow or absent client).
  asio::awaitable<void> PumpOutput() {
    char buf[4096];
    for (;;) {
      while (unacked_.size() >= kMaxUnacked && !finished_) co_await Sleep(kBackoff);
      error_code ec;
      size_t n = co_await pty_.async_read_some(asio::buffer(buf), asio::redirect_error(kAwait, ec));
      if (n > 0 && !finished_) {
        last_activity_ = Clock::now();
        SendStream(PayloadType::kOutput, std::string(buf, n));
      }
      if (ec || finished_) break;
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
    if (finished_) co_return;
    std::optional<sandbox::ExitStatus> status;
    while (!(status = process_->TryWait())) co_await Sleep(std::chrono::milliseconds(5));
    // The replica may still be held by something the command left running: take what is
    // there now instead of waiting for its end.
    while (!pump_done_ && !finished_) {
      int pending = 0;
      if (::ioctl(pty_.native_handle(), FIONREAD, &pending) != 0 || pending == 0) {
        error_code ignored;
        pty_.cancel(ignored);
      }
      co_await Sleep(std::chrono::milliseconds(2));
    }
    co_await Close(status->exited ? status->code : 128 + status->signal, "");
  }

  // Reports a command that could not start, then ends the channel.
  void Fail(const std::string& message, int code) {
    SendStream(PayloadType::kOutput, message + "\r\n");
    Spawn(ex_, [self = shared_from_this(), code]() -> asio::awaitable<void> {
      co_await self->Close(code, "");
    });
  }

  // TerminateSession (the API, or the client's flag): the command is killed (its end closes
  // the channel); a session without one closes now.
  void Stop() {
    if (finished_) return;
    terminating_ = true;
    sessions_->SetStatus(session_id_, SessionStatus::kTerminating);
    if (process_ && !closing_) {
      process_->Kill();
      return;
    }
    Spawn(ex_, [self = shared_from_this()]() -> asio::awaitable<void> {
      co_await self->Close(137, "");
    });
  }

  // Waits (a while) for the client to acknowledge every output message, or to come back
  // when it is away, then channel_closed and the WebSocket's closing handshake.
  asio::awaitable<void> Close(int exit_code, const std::string& output) {
    if (closing_) co_return;
    closing_ = true;
    auto waiting_since = Clock::now();
    while (!finished_) {
      auto now = Clock::now();
      if (link_) {
        if (unacked_.empty() || now - std::max(waiting_since, attached_at_) > kFinalAckWait) break;
      } else if (terminating_ || now - detached_since_ > ReattachWindow()) {
        break;  // a terminated session does not wait for its client to come back
      }
      co_await Sleep(std::chrono::milliseconds(5));
    }
    if (finished_) co_return;
    if (link_) {
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
      Spawn(link_->ex, [link = link_, bytes = ssm::Encode(m)]() -> asio::awaitable<void> {
        if (!link->open) co_return;
        ++link->sending;
        co_await link->conn->Send(ws::Opcode::kBinary, bytes);
        co_await link->conn->Close(1000);
        --link->sending;
      });
    }
    Finish();
  }

  void Finish() {
    finished_ = true;
    sessions_->SetStatus(session_id_, SessionStatus::kTerminated);
    if (process_) process_->Kill();
    error_code ignored;
    pty_.close(ignored);
    exit_.close(ignored);
    wake_.cancel();
  }

  // How long a session whose client went away waits for it to resume.
  std::chrono::seconds ReattachWindow() const {
    return std::min<std::chrono::seconds>(sessions_->idle_timeout(), kMaxReattachWindow);
  }

  // Resends output the client has not acknowledged; ends a session idle for too long, or
  // whose client stayed away past the reattach window.
  asio::awaitable<void> Housekeeping() {
    while (!finished_) {
      co_await Sleep(kTick);
      auto now = Clock::now();
      if (link_) {
        for (auto& [seq, u] : unacked_) {
          if (now - u.sent < kResendAfter) continue;
          u.sent = now;
          Transmit(u.bytes);
        }
      }
      bool idle = now - last_activity_ > sessions_->idle_timeout();
      bool gone = !link_ && now - detached_since_ > ReattachWindow();
      if ((idle || gone) && !idle_ended_) {
        idle_ended_ = true;
        if (process_ && !closing_) {
          process_->Kill();  // AwaitExit closes the channel
        } else {
          Spawn(ex_, [self = shared_from_this()]() -> asio::awaitable<void> {
            co_await self->Close(137, "Session terminated due to inactivity.");
          });
        }
      }
    }
  }

  struct Unacked {
    std::string bytes;
    Clock::time_point sent;
  };

  asio::any_io_executor ex_;
  std::string session_id_;
  std::shared_ptr<ExecSessions> sessions_;
  std::shared_ptr<TaskRuntime> runtime_;
  ExecTarget target_;
  std::shared_ptr<Link> link_;           // the client's connection, while it is there
  asio::posix::stream_descriptor pty_;   // the pty's master
  asio::posix::stream_descriptor exit_;  // a copy of the command's pidfd
  asio::steady_timer wake_;              // ProcessInput's wake-up
  std::deque<ssm::Message> inbox_;
  std::unique_ptr<sandbox::Sandbox> process_;
  std::optional<winsize> size_;
  int64_t next_out_ = 0;  // sequence number of the next output message
  std::map<int64_t, Unacked> unacked_;
  ssm::InOrder in_order_{kMaxBufferedInput};  // the client's stream messages, in order
  Clock::time_point last_activity_, handshake_sent_, attached_at_, detached_since_;
  bool started_ = false, handshake_done_ = false, pump_done_ = false, closing_ = false,
       finished_ = false, idle_ended_ = false, terminating_ = false;
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
  auto ex = co_await asio::this_coro::executor;
  ExecSessions::Redeemed redeemed = sessions_->Redeem(session_id_, token);
  std::shared_ptr<Channel> channel;
  if (redeemed.start) {
    channel =
        std::make_shared<Channel>(ex, session_id_, sessions_, runtime_, std::move(*redeemed.start));
    sessions_->SetChannel(session_id_, channel);
  } else if (redeemed.live) {
    channel = std::static_pointer_cast<Channel>(redeemed.live);
  } else {
    co_await conn.Close(1008, "invalid or used token");
    co_return;
  }
  auto link = std::make_shared<Link>(Link{&conn, ex});
  asio::post(channel->executor(), [channel, link] { channel->Attach(link); });
  while (auto message = co_await conn.Receive()) {
    if (message->opcode != ws::Opcode::kBinary) continue;
    auto decoded = ssm::Decode(message->data);
    if (!decoded.ok()) continue;
    asio::post(channel->executor(),
               [channel, m = std::move(*decoded)]() mutable { channel->Receive(std::move(m)); });
  }
  link->open = false;
  asio::post(channel->executor(), [channel, link] { channel->Detach(link); });
  while (link->sending > 0) co_await Sleep(std::chrono::milliseconds(1));
}

}  // namespace nimbus::ecs::exec
