#include "fake_runtime_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace nimbus::lambda::testing {
namespace {

std::string lookup(const std::vector<std::pair<std::string, std::string>>& list,
                   const std::string& name) {
  for (const auto& [k, v] : list) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return "";
}

void parse_header_lines(std::string_view block,
                        std::vector<std::pair<std::string, std::string>>& out) {
  while (!block.empty()) {
    std::size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      out.emplace_back(std::string(line.substr(0, colon)), std::string(v));
    }
    if (eol == std::string_view::npos) break;
    block.remove_prefix(eol + 2);
  }
}

}  // namespace

std::string FakeRequest::header(const std::string& name) const { return lookup(headers, name); }
std::string FakeRequest::trailer(const std::string& name) const { return lookup(trailers, name); }

std::string http_reply(int status, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

std::string event_reply(const std::string& request_id, const std::string& payload,
                        const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"Lambda-Runtime-Aws-Request-Id", request_id},
      {"Lambda-Runtime-Deadline-Ms", "4102444800000"},
      {"Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:f"},
      {"Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"},
      {"Content-Type", "application/json"}};
  h.insert(h.end(), extra.begin(), extra.end());
  return http_reply(200, payload, h);
}

std::string accepted_reply() { return http_reply(202, "{\"status\":\"OK\"}"); }

FakeRuntimeApi::FakeRuntimeApi(Script script) : script_(std::move(script)) {
  if (::pipe(stop_pipe_) != 0) std::abort();
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    std::abort();
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeRuntimeApi::~FakeRuntimeApi() {
  stop();
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

std::string FakeRuntimeApi::endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

std::vector<FakeRequest> FakeRuntimeApi::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::size_t FakeRuntimeApi::request_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

void FakeRuntimeApi::stop() {
  if (stopping_.exchange(true)) return;
  char b = 1;
  (void)!::write(stop_pipe_[1], &b, 1);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

bool FakeRuntimeApi::wait_readable(int fd, int timeout_ms) {
  pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
  int rc = ::poll(p, 2, timeout_ms);
  return rc > 0 && !(p[1].revents & POLLIN) && (p[0].revents != 0);
}

bool FakeRuntimeApi::sleep_or_stop(std::chrono::milliseconds d) {
  pollfd p{stop_pipe_[0], POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(d.count())) == 0;
}

void FakeRuntimeApi::accept_loop() {
  while (wait_readable(listen_fd_, -1)) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // As Lambda's Runtime API (Go sets TCP_NODELAY by default): with Nagle, the event answering
    // a pipelined GET /next right after a 202 would wait ~40 ms for a delayed ACK.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connections_++;
    std::lock_guard<std::mutex> lock(mu_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void FakeRuntimeApi::serve(int fd) {
  std::string buf;
  char tmp[65536];
  auto fill = [&]() -> bool {
    if (!wait_readable(fd, -1)) return false;
    ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<std::size_t>(n));
    return true;
  };
  auto line = [&](std::string& out) -> bool {
    std::size_t eol;
    while ((eol = buf.find("\r\n")) == std::string::npos) {
      if (!fill()) return false;
    }
    out = buf.substr(0, eol);
    buf.erase(0, eol + 2);
    return true;
  };
  for (;;) {
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) goto done;
    }
    FakeRequest req;
    {
      std::string head = buf.substr(0, end);
      buf.erase(0, end + 4);
      std::size_t eol = head.find("\r\n");
      std::string first = head.substr(0, eol);
      std::size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
      req.method = first.substr(0, sp1);
      req.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
      if (eol != std::string::npos) parse_header_lines(head.substr(eol + 2), req.headers);
    }
    if (strcasecmp(req.header("Transfer-Encoding").c_str(), "chunked") == 0) {
      for (;;) {
        std::string size_line;
        if (!line(size_line)) goto done;
        std::size_t size = std::strtoul(size_line.c_str(), nullptr, 16);
        if (size == 0) break;
        while (buf.size() < size + 2) {
          if (!fill()) goto done;
        }
        req.body.append(buf, 0, size);
        buf.erase(0, size + 2);
      }
      std::string t;
      std::string block;
      while (line(t) && !t.empty()) block += t + "\r\n";
      parse_header_lines(block, req.trailers);
    } else {
      std::size_t length = std::strtoul(req.header("Content-Length").c_str(), nullptr, 10);
      while (buf.size() < length) {
        if (!fill()) goto done;
      }
      req.body = buf.substr(0, length);
      buf.erase(0, length);
    }
    FakeReply reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      int index = static_cast<int>(requests_.size());
      requests_.push_back(req);
      reply = script_(req, index);
    }
    if (reply.hang) {
      while (wait_readable(fd, -1)) {
        if (::recv(fd, tmp, sizeof(tmp), 0) <= 0) break;
      }
      break;
    }
    if (reply.delay.count() > 0 && !sleep_or_stop(reply.delay)) break;
    std::size_t off = 0;
    while (off < reply.raw.size()) {
      std::size_t len = reply.raw.size() - off;
      if (reply.trickle > 0) {
        len = std::min(len, reply.trickle);
        if (off > 0 && !sleep_or_stop(std::chrono::milliseconds(1))) goto done;
      }
      ssize_t n = ::send(fd, reply.raw.data() + off, len, MSG_NOSIGNAL);
      if (n <= 0) goto done;
      off += static_cast<std::size_t>(n);
    }
    if (reply.close_after) break;
  }
done:
  ::shutdown(fd, SHUT_RDWR);
  std::lock_guard<std::mutex> lock(mu_);
  // The fd is closed in stop() or here; remove it from the list first to avoid a double close.
  for (auto it = fds_.begin(); it != fds_.end(); ++it) {
    if (*it == fd) {
      fds_.erase(it);
      ::close(fd);
      break;
    }
  }
}

FakeRuntimeApi::Script serve_events(int events, std::string payload) {
  auto served = std::make_shared<int>(0);
  return [events, payload = std::move(payload), served](const FakeRequest& r, int) {
    FakeReply reply;
    if (r.path.ends_with("/next")) {
      if (*served >= events) {
        reply.hang = true;
      } else {
        reply.raw = event_reply("id-" + std::to_string((*served)++), payload);
      }
    } else {
      reply.raw = accepted_reply();
    }
    return reply;
  };
}

}  // namespace nimbus::lambda::testing
