// The runtime's own cost per invocation, with an empty handler.
//
// Pipelined: a server thread writes /next answers and 202s ahead of time, another drains the
// client's requests, so the client never waits on the server: the figures are the runtime's
// CPU and syscall cost. PingPong: the scripted fake server answers each request in turn, so
// thread wake-ups on both sides are included (closer to a real Runtime API on loopback).
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "fake_runtime_api.h"
#include "nimbus/lambda/runtime.h"

namespace {

using namespace nimbus::lambda;

class PipelinedServer {
 public:
  PipelinedServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 4) != 0) {
      std::abort();
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    endpoint_ = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    acceptor_ = std::thread([this] {
      fd_ = ::accept(listen_fd_, nullptr, nullptr);
      if (fd_ < 0) return;
      drainer_ = std::thread([this] {
        char buf[65536];
        while (::recv(fd_, buf, sizeof(buf), 0) > 0) {
        }
      });
      std::string pair = nimbus::lambda::testing::event_reply(
                             "8476a536-e9f4-11e8-9739-2dfe598c3fcd", R"({"key":"value"})") +
                         nimbus::lambda::testing::accepted_reply();
      std::string batch;
      for (int i = 0; i < 64; ++i) batch += pair;
      while (!stop_) {
        if (::send(fd_, batch.data(), batch.size(), MSG_NOSIGNAL) <= 0) break;
      }
    });
  }
  ~PipelinedServer() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    if (drainer_.joinable()) drainer_.join();
    if (fd_ >= 0) ::close(fd_);
    ::close(listen_fd_);
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  int listen_fd_ = -1;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::string endpoint_;
  std::thread acceptor_;
  std::thread drainer_;
};

RuntimeClient client_for(const std::string& endpoint) {
  ClientOptions o;
  o.endpoint = endpoint;
  auto c = RuntimeClient::create(o);
  if (!c.ok()) std::abort();
  return std::move(c).value();
}

const Handler kEmptyHandler = [](const InvocationRequest&) {
  return InvocationResponse::success("");
};

// From /next returning to /response posted (handler call + POST + reading the 202).
void BM_NextReturnedToResponsePosted(benchmark::State& state) {
  PipelinedServer server;
  RuntimeClient client = client_for(server.endpoint());
  for (auto _ : state) {
    auto req = client.next();
    if (!req.ok()) state.SkipWithError(req.error().message.c_str());
    auto start = std::chrono::steady_clock::now();
    Status s = client.respond(req->request_id, kEmptyHandler(*req));
    auto end = std::chrono::steady_clock::now();
    if (!s.ok()) state.SkipWithError(s.error().message.c_str());
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
  }
}
BENCHMARK(BM_NextReturnedToResponsePosted)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The whole loop iteration: GET /next parsed + handler + response posted.
void BM_FullLoopPipelined(benchmark::State& state) {
  PipelinedServer server;
  RuntimeClient client = client_for(server.endpoint());
  for (auto _ : state) {
    auto req = client.next();
    Status s = client.respond(req->request_id, kEmptyHandler(*req));
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_FullLoopPipelined)->Unit(benchmark::kMicrosecond);

// run_handler() itself over 10 000 invocations (includes std::function and loop overhead).
void BM_RunHandlerPipelined(benchmark::State& state) {
  for (auto _ : state) {
    PipelinedServer server;
    RunOptions o;
    o.client.endpoint = server.endpoint();
    o.max_invocations = 10000;
    o.handle_sigterm = false;
    benchmark::DoNotOptimize(run_handler(kEmptyHandler, o));
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_RunHandlerPipelined)->Unit(benchmark::kMillisecond)->Iterations(3);

// Request/answer in lock step with a threaded fake server (includes wake-ups on both sides).
void BM_FullLoopPingPong(benchmark::State& state) {
  nimbus::lambda::testing::FakeRuntimeApi api(
      nimbus::lambda::testing::serve_events(1 << 30, R"({"key":"value"})"));
  RuntimeClient client = client_for(api.endpoint());
  for (auto _ : state) {
    auto req = client.next();
    Status s = client.respond(req->request_id, kEmptyHandler(*req));
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_FullLoopPingPong)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
