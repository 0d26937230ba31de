// A compiled HTTP/1.1 load client for Lambda Invoke: N keep-alive connections (TCP_NODELAY), each
// driving sequential POSTs with a fixed JSON payload, all from one epoll thread so the client
// takes as little of the machine's CPU as it can. Prints one line of key=value figures.
//
// Usage:
//   lambda_invoke_bench load  HOST PORT PATH [--conns N] [--seconds S] [--warmup S]
//                             [--payload BYTES] [--requests N]
//   lambda_invoke_bench cold  HOST PORT FUNCTION [--runs N] [--payload BYTES]
//
// `load` measures warm invokes: latency percentiles over every request of the measured window,
// and completed invokes per second. `cold` retires the function's warm environment with
// UpdateFunctionConfiguration (an Environment variable change) before each invoke, then invokes
// with X-Amz-Log-Type: Tail: it reports the client-side first-response latency, the `Init
// Duration` and `Duration` of the REPORT line, and what is left of the first response (nimbus
// and the client): a timeline of the cold invoke. Requests are unsigned (nimbus in open mode
// accepts them); the Authorization header only names the service and region.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/wire.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kAuth =
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, "
    "SignedHeaders=host, Signature=0";

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "lambda_invoke_bench: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int Connect(const std::string& host, int port, bool nonblocking) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    errno = EINVAL;
    Die("host must be an IPv4 address");
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Die("socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
  if (nonblocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// A 1 KB (by default) JSON object: {"name":"bench","pad":"xxxx…"}.
std::string Payload(size_t bytes) {
  std::string head = R"({"name":"bench","pad":")";
  std::string tail = R"("})";
  size_t pad = bytes > head.size() + tail.size() ? bytes - head.size() - tail.size() : 0;
  return head + std::string(pad, 'x') + tail;
}

std::string Request(const std::string& method, const std::string& host, int port,
                    const std::string& path, const std::string& body,
                    const std::string& extra_headers = "") {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                   "\r\nAuthorization: " + kAuth +
                   "\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n";
  return r + body;
}

struct Response {
  int status = 0;
  size_t consumed = 0;  // bytes of the buffer this response took
  bool close = false;
  std::string headers;  // raw header block (lower-cased names not guaranteed)
  std::string body;
};

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string Header(std::string_view headers, std::string_view name) {
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t eol = headers.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = headers.size();
    std::string_view line = headers.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && IEquals(Trim(line.substr(0, colon)), name)) {
      return std::string(Trim(line.substr(colon + 1)));
    }
    pos = eol + 2;
  }
  return {};
}

// Parses one complete response at the start of `buf`; nullopt while incomplete.
std::optional<Response> Parse(std::string_view buf) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  Response r;
  if (buf.size() < 12 || buf.substr(0, 5) != "HTTP/") {
    r.status = -1;
    r.consumed = buf.size();
    r.close = true;
    return r;
  }
  r.status = std::atoi(std::string(buf.substr(9, 3)).c_str());
  r.headers = std::string(buf.substr(0, end + 2));
  std::string conn = Header(r.headers, "Connection");
  r.close = IEquals(conn, "close");
  size_t body_start = end + 4;
  std::string te = Header(r.headers, "Transfer-Encoding");
  if (!te.empty()) {  // chunked
    size_t pos = body_start;
    for (;;) {
      size_t eol = buf.find("\r\n", pos);
      if (eol == std::string_view::npos) return std::nullopt;
      size_t len = std::strtoul(std::string(buf.substr(pos, eol - pos)).c_str(), nullptr, 16);
      if (buf.size() < eol + 2 + len + 2) return std::nullopt;
      if (len == 0) {
        r.consumed = eol + 4;  // no trailers expected
        return r;
      }
      r.body.append(buf.substr(eol + 2, len));
      pos = eol + 2 + len + 2;
    }
  }
  std::string cl = Header(r.headers, "Content-Length");
  size_t len = cl.empty() ? 0 : std::strtoul(cl.c_str(), nullptr, 10);
  if (buf.size() < body_start + len) return std::nullopt;
  r.body = std::string(buf.substr(body_start, len));
  r.consumed = body_start + len;
  return r;
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

struct Conn {
  int fd = -1;
  std::string in;
  size_t sent = 0;
  Clock::time_point started;
  bool busy = false;
};

int Load(const std::string& host, int port, const std::string& path, int conns, double seconds,
         double warmup, size_t payload_bytes, long max_requests) {
  const std::string request = Request("POST", host, port, path, Payload(payload_bytes));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) Die("epoll_create1");
  std::vector<Conn> pool(static_cast<size_t>(conns));
  auto open = [&](size_t i) {
    pool[i].fd = Connect(host, port, true);
    pool[i].in.clear();
    pool[i].busy = false;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, pool[i].fd, &ev) != 0) Die("epoll_ctl");
  };
  long reconnects = 0, errors = 0, done_measured = 0, done_total = 0;
  std::vector<double> lat_ms;
  lat_ms.reserve(1 << 20);
  const Clock::time_point t0 = Clock::now();
  const Clock::time_point measure_from = t0 + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(warmup));
  const Clock::time_point stop_at = measure_from + std::chrono::duration_cast<Clock::duration>(
                                                       std::chrono::duration<double>(seconds));
  bool stopping = false;
  Clock::time_point last_measured = measure_from;
  auto send_next = [&](Conn& c) {
    c.started = Clock::now();
    c.busy = true;
    size_t off = 0;
    while (off < request.size()) {  // a ~1.3 KB request fits the socket buffer: loop is a guard
      ssize_t n = ::send(c.fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n < 0) Die("send");
      off += static_cast<size_t>(n);
    }
  };
  for (size_t i = 0; i < pool.size(); ++i) {
    open(i);
    send_next(pool[i]);
  }
  std::vector<epoll_event> events(static_cast<size_t>(conns));
  char buf[65536];
  int in_flight = conns;
  while (in_flight > 0) {
    int n = epoll_wait(ep, events.data(), conns, 1000);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Die("epoll_wait");
    for (int e = 0; e < n; ++e) {
      size_t i = events[static_cast<size_t>(e)].data.u64;
      Conn& c = pool[i];
      bool closed = false;
      for (;;) {
        ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
        if (got > 0) {
          c.in.append(buf, static_cast<size_t>(got));
          // A short read emptied the socket: epoll (level-triggered) reports what comes next,
          // so no second recv() that would only fail with EAGAIN.
          if (static_cast<size_t>(got) < sizeof buf) break;
          continue;
        }
        if (got == 0) closed = true;
        else if (errno != EAGAIN && errno != EWOULDBLOCK) closed = true;
        break;
      }
      bool must_reconnect = closed;
      while (c.busy) {
        auto r = Parse(c.in);
        if (!r) break;
        auto now = Clock::now();
        c.in.erase(0, r->consumed);
        c.busy = false;
        ++done_total;
        if (r->status != 200) {
          ++errors;
          if (errors <= 3) {
            std::fprintf(stderr, "status %d: %.300s\n", r->status, r->body.c_str());
          }
        }
        if (c.started >= measure_from && now <= stop_at) {
          ++done_measured;
          last_measured = now;
          lat_ms.push_back(std::chrono::duration<double, std::milli>(now - c.started).count());
        }
        if (r->close) must_reconnect = true;
        if (now >= stop_at || (max_requests > 0 && done_measured >= max_requests)) stopping = true;
        if (stopping) {
          --in_flight;
        } else if (!must_reconnect) {
          send_next(c);
        }
      }
      if (must_reconnect) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        if (c.busy) {  // the server dropped a request in flight
          ++errors;
          c.busy = false;
          if (stopping) --in_flight;
        }
        if (!stopping) {
          ++reconnects;
          open(i);
          send_next(pool[i]);
        } else {
          c.fd = -1;
        }
      }
    }
    if (!stopping && Clock::now() > stop_at + std::chrono::seconds(30)) {
      std::fprintf(stderr, "lambda_invoke_bench: no progress, giving up\n");
      return 1;
    }
  }
  for (auto& c : pool) {
    if (c.fd >= 0) close(c.fd);
  }
  close(ep);
  double window = std::chrono::duration<double>(last_measured - measure_from).count();
  std::vector<double> sorted = lat_ms;
  double p50 = Percentile(sorted, 50), p90 = Percentile(sorted, 90), p99 = Percentile(sorted, 99);
  double mean = 0;
  for (double v : lat_ms) mean += v;
  mean = lat_ms.empty() ? 0 : mean / static_cast<double>(lat_ms.size());
  std::printf("conns=%d requests=%ld seconds=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
              "mean_ms=%.3f max_ms=%.3f errors=%ld reconnects=%ld total_requests=%ld\n",
              conns, done_measured, window, window > 0 ? static_cast<double>(done_measured) / window : 0,
              p50, p90, p99, mean, sorted.empty() ? 0 : *std::max_element(sorted.begin(), sorted.end()),
              errors, reconnects, done_total);
  return errors > 0 ? 3 : 0;
}

// One request on a blocking socket; reconnects once when the server closed the connection.
Response RoundTrip(int& fd, const std::string& host, int port, const std::string& request) {
  std::string in;
  char buf[65536];
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd < 0) {
      fd = Connect(host, port, false);
      timeval tv{60, 0};  // a server that never answers is a finding, not a hang of the bench
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      close(fd);
      fd = -1;
      continue;
    }
    in.clear();
    for (;;) {
      if (auto r = Parse(in)) {
        if (r->close) {
          close(fd);
          fd = -1;
        }
        return *r;
      }
      ssize_t got = ::recv(fd, buf, sizeof buf, 0);
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        std::fprintf(stderr, "lambda_invoke_bench: no response in 60 s\n");
        std::exit(1);
      }
      if (got <= 0) break;
      in.append(buf, static_cast<size_t>(got));
    }
    close(fd);
    fd = -1;
    if (!in.empty()) break;
  }
  Response bad;
  bad.status = -1;
  return bad;
}

int Cold(const std::string& host, int port, const std::string& function, int runs,
         size_t payload_bytes) {
  const std::string base = "/2015-03-31/functions/" + function;
  const std::string invoke =
      Request("POST", host, port, base + "/invocations", Payload(payload_bytes),
              "X-Amz-Log-Type: Tail\r\n");
  int fd = -1;
  std::vector<double> first_ms, init_ms, handler_ms, rest_ms, warm_ms;
  for (int i = 0; i < runs; ++i) {
    std::string cfg = R"({"Environment":{"Variables":{"BENCH_GENERATION":")" +
                      std::to_string(i) + R"("}}})";
    Response u = RoundTrip(fd, host, port, Request("PUT", host, port, base + "/configuration", cfg));
    if (u.status != 200) {
      std::fprintf(stderr, "UpdateFunctionConfiguration: %d %s\n", u.status, u.body.c_str());
      return 1;
    }
    auto start = Clock::now();
    Response r = RoundTrip(fd, host, port, invoke);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (r.status != 200 || !Header(r.headers, "X-Amz-Function-Error").empty()) {
      std::fprintf(stderr, "cold invoke: %d %s\n", r.status, r.body.c_str());
      return 1;
    }
    first_ms.push_back(ms);
    std::string log =
        nimbus::wire::Base64Decode(Header(r.headers, "X-Amz-Log-Result")).value_or("");
    size_t at = log.find("Init Duration: ");
    size_t dur = log.find("\tDuration: ");
    if (at != std::string::npos && dur != std::string::npos) {
      // The timeline of a cold invoke: Init (environment created -> the runtime's first /next,
      // launch included), the handler's Duration, and the rest (request and response through
      // nimbus, the client's own time).
      init_ms.push_back(std::atof(log.c_str() + at + 15));
      handler_ms.push_back(std::atof(log.c_str() + dur + 11));
      rest_ms.push_back(ms - init_ms.back() - handler_ms.back());
    }
    // The same environment, now warm, for comparison.
    start = Clock::now();
    r = RoundTrip(fd, host, port, invoke);
    warm_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  if (fd >= 0) close(fd);
  std::printf("runs=%d first_invoke_p50_ms=%.3f first_invoke_p90_ms=%.3f init_duration_p50_ms=%.3f "
              "init_duration_p90_ms=%.3f init_reports=%zu handler_p50_ms=%.3f rest_p50_ms=%.3f "
              "warm_after_p50_ms=%.3f\n",
              runs, Percentile(first_ms, 50), Percentile(first_ms, 90), Percentile(init_ms, 50),
              Percentile(init_ms, 90), init_ms.size(), Percentile(handler_ms, 50),
              Percentile(rest_ms, 50), Percentile(warm_ms, 50));
  return 0;
}

void Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s load HOST PORT PATH [--conns N] [--seconds S] [--warmup S] "
               "[--payload BYTES] [--requests N]\n"
               "       %s cold HOST PORT FUNCTION [--runs N] [--payload BYTES]\n",
               argv0, argv0);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) Usage(argv[0]);
  std::string mode = argv[1], host = argv[2], target = argv[4];
  int port = std::atoi(argv[3]);
  int conns = 1, runs = 20;
  double seconds = 5, warmup = 1;
  size_t payload = 1024;
  long requests = 0;
  for (int i = 5; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--conns") conns = std::max(1, std::atoi(v));
    else if (flag == "--seconds") seconds = std::atof(v);
    else if (flag == "--warmup") warmup = std::atof(v);
    else if (flag == "--payload") payload = std::strtoul(v, nullptr, 10);
    else if (flag == "--requests") requests = std::atol(v);
    else if (flag == "--runs") runs = std::max(1, std::atoi(v));
    else Usage(argv[0]);
  }
  if (mode == "load") return Load(host, port, target, conns, seconds, warmup, payload, requests);
  if (mode == "cold") return Cold(host, port, target, runs, payload);
  Usage(argv[0]);
}
