// A raw HTTP exchange with a server under test on loopback, for the server's unit tests.
#ifndef NIMBUS_TESTS_SERVER_LOOPBACK_EXCHANGE_H_
#define NIMBUS_TESTS_SERVER_LOOPBACK_EXCHANGE_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace nimbus::testing {

// Sends `raw` on a new connection to 127.0.0.1:`port` and returns all that comes back until the
// server closes (or 5 s of silence). A failed connect returns "". Blocking; any thread.
inline std::string LoopbackExchange(uint16_t port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    (void)!::send(fd, raw.data(), raw.size(), 0);
    char buf[4096];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 5000) == 1) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return got;
}

}  // namespace nimbus::testing

#endif  // NIMBUS_TESTS_SERVER_LOOPBACK_EXCHANGE_H_
