// Socket side of HttpConnection: connect, poll-based waits, gathered sends, buffered reads.
#include "http_connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "codec.h"
#include "shutdown.h"

namespace nimbus::lambda::internal {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr auto kMaxConnectWait = std::chrono::seconds(10);

Error connection_error(const char* what, int err) {
  return Error{ErrorCode::kConnection, std::string(what) + ": " + std::strerror(err)};
}

}  // namespace

const std::string* HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return &v;
  }
  return nullptr;
}

void HttpConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  pos_ = 0;
}

Status HttpConnection::wait_io(short events, const Wait& wait) {
  for (;;) {
    int timeout_ms = -1;
    if (wait.deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*wait.deadline - Clock::now());
      if (left.count() <= 0)
        return Error{ErrorCode::kTimeout, "Runtime API did not answer in time"};
      timeout_ms = static_cast<int>(std::min<long long>(left.count(), 1 << 30));
    }
    pollfd fds[2] = {{fd_, events, 0}, {shutdown_fd(), POLLIN, 0}};
    nfds_t n = (wait.interruptible && fds[1].fd >= 0) ? 2 : 1;
    int rc = ::poll(fds, n, timeout_ms);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return connection_error("poll", errno);
    }
    if (rc == 0) continue;  // re-check the deadline
    if (n == 2 && (fds[1].revents & POLLIN)) {
      return Error{ErrorCode::kShutdown, "SIGTERM received"};
    }
    if (fds[0].revents != 0) return {};
  }
}

Status HttpConnection::connect(const Wait& wait) {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &list);
  if (rc != 0) {
    return Error{ErrorCode::kConnection, "cannot resolve " + host_ + ": " + ::gai_strerror(rc)};
  }
  Wait bounded = wait;
  auto cap = Clock::now() + kMaxConnectWait;
  if (!bounded.deadline || *bounded.deadline > cap) bounded.deadline = cap;
  Status last = Error{ErrorCode::kConnection, "no address for " + host_};
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd_ < 0) {
      last = connection_error("socket", errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS) {
      Status s = wait_io(POLLOUT, bounded);
      int err = 0;
      socklen_t len = sizeof(err);
      if (s.ok() && ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) break;
      last = s.ok() ? Status(connection_error("connect", err)) : s;
    } else {
      last = connection_error("connect", errno);
    }
    ::close(fd_);
    fd_ = -1;
    if (!last.ok() && last.error().code == ErrorCode::kShutdown) break;
  }
  ::freeaddrinfo(list);
  if (fd_ >= 0) ++connects_;
  return fd_ >= 0 ? Status() : last;
}

Status HttpConnection::send(std::initializer_list<std::string_view> parts, const Wait& wait) {
  if (fd_ < 0) return Error{ErrorCode::kConnection, "not connected"};
  iovec iov[8];
  std::size_t count = 0;
  for (std::string_view p : parts) {
    if (p.empty() || count == 8) continue;
    iov[count++] = {const_cast<char*>(p.data()), p.size()};
  }
  std::size_t first = 0;
  while (first < count) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = count - first;
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        Status s = wait_io(POLLOUT, wait);
        if (!s.ok()) return s;
        continue;
      }
      Error e = connection_error("send", errno);
      close();
      return e;
    }
    auto sent = static_cast<std::size_t>(n);
    while (first < count && sent >= iov[first].iov_len) sent -= iov[first++].iov_len;
    if (first < count) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + sent;
      iov[first].iov_len -= sent;
    }
  }
  return {};
}

Status HttpConnection::fill(const Wait& wait) {
  if (fd_ < 0) return Error{ErrorCode::kConnection, "not connected"};
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > kReadChunk) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  // recv() goes to a scratch buffer and is then appended: growing buf_ by a whole chunk
  // before each recv() would zero 64 KiB every time (a std::string can't grow uninitialized).
  if (!scratch_) scratch_ = std::make_unique<char[]>(kReadChunk);
  for (;;) {
    ssize_t n = ::recv(fd_, scratch_.get(), kReadChunk, 0);
    if (n > 0) {
      buf_.append(scratch_.get(), static_cast<std::size_t>(n));
      return {};
    }
    if (n == 0) return Error{ErrorCode::kConnection, "connection closed by the Runtime API"};
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return connection_error("recv", errno);
    Status s = wait_io(POLLIN, wait);
    if (!s.ok()) return s;
  }
}

Result<std::string_view> HttpConnection::read_line(const Wait& wait, std::size_t limit) {
  std::size_t scanned = pos_;
  for (;;) {
    std::size_t eol = buf_.find("\r\n", scanned);
    if (eol != std::string::npos && eol - pos_ <= limit) {
      std::string_view line(buf_.data() + pos_, eol - pos_);
      pos_ = eol + 2;
      return line;
    }
    if (buf_.size() - pos_ > limit + 2) return Error{ErrorCode::kProtocol, "HTTP line too long"};
    scanned = buf_.size() > pos_ ? buf_.size() - 1 : pos_;
    std::size_t before = pos_;
    Status s = fill(wait);
    if (!s.ok()) return s.error();
    scanned -= before - pos_;  // fill() may have compacted the buffer
  }
}

Status HttpConnection::read_exact(std::size_t n, std::string& out, const Wait& wait) {
  std::size_t take = std::min(n, buf_.size() - pos_);
  out.append(buf_, pos_, take);
  pos_ += take;
  n -= take;
  std::size_t base = out.size();
  out.resize(base + n);
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd_, out.data() + base + got, n - got, 0);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0) return Error{ErrorCode::kConnection, "connection closed in the middle of a body"};
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return connection_error("recv", errno);
    Status s = wait_io(POLLIN, wait);
    if (!s.ok()) return s;
  }
  return {};
}

}  // namespace nimbus::lambda::internal
