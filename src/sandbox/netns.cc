// HostNetworkNamespaces: unshare/setns on throwaway threads, lo configured with ioctls.
#include "sandbox/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

namespace nimbus::sandbox {
namespace {

// Runs `fn` on a new thread, which may change its namespaces freely: it ends with `fn`.
template <typename Fn>
auto OnThrowawayThread(Fn fn) -> decltype(fn()) {
  std::optional<decltype(fn())> out;
  std::thread([&] { out.emplace(fn()); }).join();
  return std::move(*out);
}

// The child of a sandbox rebuilds descriptors 0..2: keep ours above them.
UniqueFd Above2(int fd) {
  if (fd < 0 || fd >= 3) return UniqueFd(fd);
  UniqueFd low(fd);
  return UniqueFd(::fcntl(low.get(), F_DUPFD_CLOEXEC, 3));
}

std::optional<in_addr> ParseIpv4(const std::string& text) {
  in_addr a{};
  if (::inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return a;
}

sockaddr_in SocketAddress(in_addr address, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr = address;
  sa.sin_port = htons(port);
  return sa;
}

// Sets lo up and adds `addresses` as /32 aliases (lo:1, lo:2, ...), in the current namespace.
Status ConfigureLoopback(const std::vector<in_addr>& addresses) {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return ErrnoStatus("socket", errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) return ErrnoStatus("get lo flags", errno);
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) return ErrnoStatus("set lo up", errno);
  for (size_t i = 0; i < addresses.size(); ++i) {
    ifreq alias{};
    std::string label = "lo:" + std::to_string(i + 1);
    std::strncpy(alias.ifr_name, label.c_str(), IFNAMSIZ - 1);
    sockaddr_in sa = SocketAddress(addresses[i], 0);
    std::memcpy(&alias.ifr_addr, &sa, sizeof(sa));
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &addresses[i], text, sizeof(text));
    if (::ioctl(s.get(), SIOCSIFADDR, &alias) != 0) {
      return ErrnoStatus(std::string("add ") + text + " to lo", errno);
    }
    sockaddr_in mask = SocketAddress(in_addr{htonl(0xffffffffu)}, 0);
    std::memcpy(&alias.ifr_netmask, &mask, sizeof(mask));
    if (::ioctl(s.get(), SIOCSIFNETMASK, &alias) != 0) {
      return ErrnoStatus(std::string("set the netmask of ") + text, errno);
    }
  }
  return Status::Ok();
}

class HostNamespaces : public NetworkNamespaces {
 public:
  Result<UniqueFd> Create(const std::vector<std::string>& lo_addresses) override {
    if (lo_addresses.size() > 16) return Status::InvalidArgument("more than 16 addresses on lo");
    std::vector<in_addr> addresses;
    for (const auto& text : lo_addresses) {
      auto a = ParseIpv4(text);
      if (!a) return Status::InvalidArgument("not an IPv4 address: '" + text + "'");
      addresses.push_back(*a);
    }
    return OnThrowawayThread([&]() -> Result<UniqueFd> {
      if (::unshare(CLONE_NEWNET) != 0) {
        int err = errno;
        if (err == EPERM) {
          return Status::Unavailable(std::string("network namespaces need CAP_SYS_ADMIN: ") +
                                     std::strerror(err));
        }
        return Status::Internal(std::string("unshare(CLONE_NEWNET): ") + std::strerror(err));
      }
      UniqueFd ns = Above2(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
      if (!ns.valid()) return Status::Internal(ErrnoStatus("open the namespace", errno).message());
      Status st = ConfigureLoopback(addresses);
      if (!st.ok()) return Status::Internal(st.message());
      return ns;
    });
  }

  Result<UniqueFd> Listen(int netns, const NetEndpoint& endpoint, int backlog) override {
    auto address = ParseIpv4(endpoint.address);
    if (!address) return Status::InvalidArgument("not an IPv4 address: '" + endpoint.address + "'");
    const std::string where = endpoint.address + ":" + std::to_string(endpoint.port);
    return OnThrowawayThread([&]() -> Result<UniqueFd> {
      if (::setns(netns, CLONE_NEWNET) != 0) {
        int err = errno;
        std::string what = std::string("join network namespace: ") + std::strerror(err);
        if (err == EINVAL || err == EBADF) return Status::InvalidArgument(what);
        return Status::Unavailable(what);
      }
      UniqueFd s = Above2(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (!s.valid()) return Status::Unavailable(ErrnoStatus("socket", errno).message());
      int one = 1;
      ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_in sa = SocketAddress(*address, endpoint.port);
      if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {
        return Status::Unavailable(ErrnoStatus("bind " + where, errno).message());
      }
      if (::listen(s.get(), backlog) != 0) {
        return Status::Unavailable(ErrnoStatus("listen on " + where, errno).message());
      }
      return s;
    });
  }
};

}  // namespace

Result<UniqueFd> TcpSocketIn(int netns) {
  return OnThrowawayThread([&]() -> Result<UniqueFd> {
    if (::setns(netns, CLONE_NEWNET) != 0) {
      return Status::Unavailable(ErrnoStatus("join network namespace", errno).message());
    }
    UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s.valid()) return Status::Unavailable(ErrnoStatus("socket", errno).message());
    return s;
  });
}

std::unique_ptr<NetworkNamespaces> HostNetworkNamespaces() {
  return std::make_unique<HostNamespaces>();
}

}  // namespace nimbus::sandbox
