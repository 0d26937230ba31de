// The ceiling of "an invoke is three processes and two loopback HTTP exchanges" on this machine:
// a broker that does nothing but what every Lambda emulator must do at the least — read an Invoke
// from a client, hand its body to a waiting runtime as the answer to GET /next, read the runtime's
// POST /response and answer the client with it — in one epoll thread, with no routing, no
// validation, no logs, no bookkeeping. It spawns N copies of a real bootstrap (e.g. the hello-cpp
// example) against itself, so the runtime side is the real runtime library.
//
// Usage:
//   runtime_api_ceiling PORT BOOTSTRAP RUNTIMES
// then drive it with `lambda_invoke_bench load 127.0.0.1 PORT /2015-03-31/functions/x/invocations`.
// Like nimbus's private listeners, the 202 to a POST /response that came with the next GET /next
// is held and sent with the next event (one write per invoke to the runtime).
//
// With RUNTIMES 0 it is an echo server: it answers each Invoke itself with its body, which is the
// most any emulator could do here, even one that ran the function inside its own process.
//
// Not a server: it trusts its peers, keeps no limits and exits on the first socket error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "runtime_api_ceiling: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

struct Conn {
  int fd = -1;
  std::string in;
  std::string out;       // written at the end of each read batch unless held
  bool waiting = false;  // a runtime whose GET /next is unanswered
  int client = -1;       // for a runtime: the client whose invoke it is running
};

std::unordered_map<int, Conn> conns;
std::deque<int> idle_runtimes;                   // fds, the most recent last
std::deque<std::pair<int, std::string>> queued;  // client fd, body
long next_id = 0;
bool echo_only = false;  // RUNTIMES 0: no runtimes, the broker answers Invokes itself

void Flush(Conn& c) {
  while (!c.out.empty()) {
    ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      Die("send");  // a 1 KB exchange never fills a loopback socket buffer
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
}

void Dispatch(Conn& runtime, int client, std::string_view body) {
  runtime.waiting = false;
  runtime.client = client;
  std::string id = std::to_string(++next_id);
  runtime.out += "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: " + id +
                 "\r\nLambda-Runtime-Deadline-Ms: 99999999999999\r\n"
                 "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:"
                 "function:x\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n";
  runtime.out += body;
  Flush(runtime);
}

size_t ContentLength(std::string_view head) {
  for (size_t i = 0; (i = head.find("\r\n", i)) != std::string_view::npos; i += 2) {
    std::string_view line = head.substr(i + 2, 16);
    if (strncasecmp(line.data(), "content-length: ", 16) == 0 && line.size() == 16) {
      return std::strtoul(head.data() + i + 18, nullptr, 10);
    }
  }
  return 0;
}

// Handles every complete request buffered on `c`; answers are sent at the end.
void Serve(Conn& c) {
  size_t at = 0;
  while (true) {
    size_t end = c.in.find("\r\n\r\n", at);
    if (end == std::string::npos) break;
    std::string_view head(c.in.data() + at, end + 4 - at);
    size_t length = ContentLength(head);
    if (c.in.size() < end + 4 + length) break;
    std::string_view body(c.in.data() + end + 4, length);
    at = end + 4 + length;
    if (head.starts_with("POST /2015-03-31/")) {
      if (echo_only) {
        c.out +=
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "X-Amz-Executed-Version: $LATEST\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n";
        c.out += body;
      } else if (!idle_runtimes.empty()) {
        int r = idle_runtimes.back();  // the warmest runtime first
        idle_runtimes.pop_back();
        Dispatch(conns[r], c.fd, body);
      } else {
        queued.emplace_back(c.fd, std::string(body));
      }
    } else if (head.starts_with("GET /2018-06-01/runtime/invocation/next")) {
      c.waiting = true;
      if (!queued.empty()) {
        auto [client, queued_body] = std::move(queued.front());
        queued.pop_front();
        Dispatch(c, client, queued_body);
      } else {
        idle_runtimes.push_back(c.fd);
      }
    } else if (head.starts_with("POST /2018-06-01/runtime/invocation/")) {
      Conn& client = conns[c.client];
      client.out +=
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          "X-Amz-Executed-Version: $LATEST\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n";
      client.out += body;
      Flush(client);
      c.out +=
          "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16"
          "\r\n\r\n{\"status\":\"OK\"}\n";
    } else {
      std::fprintf(stderr, "runtime_api_ceiling: unexpected %.*s\n", int(head.size()), head.data());
      std::exit(1);
    }
  }
  c.in.erase(0, at);
  if (!c.waiting) Flush(c);  // a 202 followed by GET /next waits for the event
}

void SpawnRuntime(const char* bootstrap, int port) {
  pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid > 0) return;
  std::string api = "AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(port);
  char* env[] = {api.data(), const_cast<char*>("_HANDLER=hello"),
                 const_cast<char*>("LAMBDA_TASK_ROOT=/tmp"), nullptr};
  char* argv[] = {const_cast<char*>(bootstrap), nullptr};
  execve(bootstrap, argv, env);
  Die("execve");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: runtime_api_ceiling PORT BOOTSTRAP RUNTIMES\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("bind");
  if (listen(listener, 128) != 0) Die("listen");
  signal(SIGCHLD, SIG_IGN);
  echo_only = std::atoi(argv[3]) == 0;
  for (int i = 0; i < std::atoi(argv[3]); ++i) SpawnRuntime(argv[2], port);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{EPOLLIN, {.fd = listener}};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  epoll_event events[64];
  char buf[65536];
  while (true) {
    int n = epoll_wait(ep, events, 64, -1);
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int s;
        while ((s = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conns[s].fd = s;
          epoll_event cev{EPOLLIN, {.fd = s}};
          epoll_ctl(ep, EPOLL_CTL_ADD, s, &cev);
        }
        continue;
      }
      Conn& c = conns[fd];
      ssize_t got = recv(fd, buf, sizeof buf, 0);
      if (got <= 0) {
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        close(fd);  // a client that is done; a runtime never leaves
        conns.erase(fd);
        continue;
      }
      c.in.append(buf, static_cast<size_t>(got));
      Serve(c);
    }
  }
}
