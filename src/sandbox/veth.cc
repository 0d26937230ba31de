// Bridges and veths over rtnetlink (RTM_NEWLINK / RTM_DELLINK), addresses and link state over
// the same ioctls as netns.cc, each on a throwaway thread that joined the namespace it changes.
#include "sandbox/veth.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "sandbox/fd.h"

namespace nimbus::sandbox {
namespace {

// Runs `fn` on a new thread that first joins network namespace `netns`; the thread ends with
// `fn`, so no thread of nimbus stays in another namespace.
Status InNamespace(int netns, const std::function<Status()>& fn) {
  Status out = Status::Ok();
  std::thread([&] {
    if (::setns(netns, CLONE_NEWNET) != 0) {
      int err = errno;
      out = Status::Unavailable(std::string("join network namespace: ") + std::strerror(err));
      return;
    }
    out = fn();
  }).join();
  return out;
}

// One rtnetlink request: a header, an ifinfomsg and attributes (nested ones with Begin/End).
class LinkRequest {
 public:
  LinkRequest(uint16_t type, uint16_t flags) {
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    header.nlmsg_seq = 1;
    Append(&header, sizeof(header));
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    Append(&info, sizeof(info));
  }
  void Attr(uint16_t type, const void* data, size_t size) {
    rtattr attr{};
    attr.rta_type = type;
    attr.rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
    Append(&attr, sizeof(attr));
    Append(data, size);
  }
  void Attr(uint16_t type, const std::string& text) { Attr(type, text.c_str(), text.size() + 1); }
  void Attr(uint16_t type, uint32_t value) { Attr(type, &value, sizeof(value)); }
  // Opens a nested attribute; End(offset) closes it.
  size_t Begin(uint16_t type) {
    size_t at = buf_.size();
    Attr(type, nullptr, 0);
    return at;
  }
  void End(size_t at) {
    auto* attr = reinterpret_cast<rtattr*>(buf_.data() + at);
    attr->rta_len = static_cast<uint16_t>(buf_.size() - at);
  }
  // A bare ifinfomsg inside a nested attribute (VETH_INFO_PEER's payload starts with one).
  void Info() {
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    Append(&info, sizeof(info));
  }

  // Sends it on a fresh NETLINK_ROUTE socket of the calling thread's namespace and reads the
  // kernel's acknowledgement. `what` names the step in an error.
  Status Send(const std::string& what) {
    reinterpret_cast<nlmsghdr*>(buf_.data())->nlmsg_len = static_cast<uint32_t>(buf_.size());
    UniqueFd s(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!s.valid()) return Status::Unavailable(ErrnoStatus("netlink socket", errno).message());
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(s.get(), buf_.data(), buf_.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof(kernel)) < 0) {
      return Status::Unavailable(ErrnoStatus(what, errno).message());
    }
    alignas(nlmsghdr) char reply[4096];
    ssize_t n = ::recv(s.get(), reply, sizeof(reply), 0);
    if (n < static_cast<ssize_t>(sizeof(nlmsghdr))) {
      return Status::Unavailable(ErrnoStatus(what + ": no reply", errno).message());
    }
    auto* header = reinterpret_cast<nlmsghdr*>(reply);
    if (header->nlmsg_type != NLMSG_ERROR) return Status::Ok();
    int err = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(header))->error;
    if (err == 0) return Status::Ok();
    if (err == ENODEV) return Status::NotFound(what + ": " + std::strerror(err));
    return Status::Unavailable(what + ": " + std::strerror(err));
  }

 private:
  void Append(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    if (size > 0) buf_.insert(buf_.end(), p, p + size);
    buf_.resize(NLMSG_ALIGN(buf_.size()), '\0');
  }
  std::vector<char> buf_;
};

bool ValidName(const std::string& name) {
  return !name.empty() && name.size() < IFNAMSIZ && name.find_first_of("/: ") == std::string::npos;
}

std::optional<in_addr> ParseIpv4(const std::string& text) {
  in_addr a{};
  if (::inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return a;
}

sockaddr SocketAddress(in_addr address) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr = address;
  sockaddr out{};
  std::memcpy(&out, &sa, sizeof(sa));
  return out;
}

// In the calling thread's namespace: gives link `name` `address` (if any) and sets it up.
Status ConfigureLink(const std::string& name, const std::optional<Ipv4Cidr>& address) {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return Status::Unavailable(ErrnoStatus("socket", errno).message());
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (address) {
    auto a = ParseIpv4(address->address);
    if (!a) return Status::InvalidArgument("not an IPv4 address: '" + address->address + "'");
    ifr.ifr_addr = SocketAddress(*a);
    if (::ioctl(s.get(), SIOCSIFADDR, &ifr) != 0) {
      return Status::Unavailable(
          ErrnoStatus("add " + address->address + " to " + name, errno).message());
    }
    uint32_t mask = address->prefix == 0 ? 0 : ~uint32_t{0} << (32 - address->prefix);
    ifr.ifr_netmask = SocketAddress(in_addr{htonl(mask)});
    if (::ioctl(s.get(), SIOCSIFNETMASK, &ifr) != 0) {
      return Status::Unavailable(ErrnoStatus("set the netmask of " + name, errno).message());
    }
  }
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) {
    return Status::Unavailable(ErrnoStatus("get the flags of " + name, errno).message());
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) {
    return Status::Unavailable(ErrnoStatus("set " + name + " up", errno).message());
  }
  return Status::Ok();
}

// In the calling thread's namespace: a route to the single address `destination` through
// `gateway` on link `device`.
Status AddHostRoute(const std::string& device, const std::string& destination,
                    const std::string& gateway) {
  auto to = ParseIpv4(destination);
  auto via = ParseIpv4(gateway);
  if (!to || !via) return Status::InvalidArgument("bad route " + destination + " via " + gateway);
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return Status::Unavailable(ErrnoStatus("socket", errno).message());
  rtentry route{};
  route.rt_dst = SocketAddress(*to);
  route.rt_gateway = SocketAddress(*via);
  route.rt_genmask = SocketAddress(in_addr{htonl(0xffffffffu)});
  route.rt_flags = RTF_UP | RTF_GATEWAY | RTF_HOST;
  std::string dev = device;
  route.rt_dev = dev.data();
  if (::ioctl(s.get(), SIOCADDRT, &route) != 0) {
    return Status::Unavailable(
        ErrnoStatus("route " + destination + " via " + gateway, errno).message());
  }
  return Status::Ok();
}

Status CheckCidr(const Ipv4Cidr& cidr) {
  if (!ParseIpv4(cidr.address) || cidr.prefix < 0 || cidr.prefix > 32) {
    return Status::InvalidArgument("not an IPv4 address/prefix: '" + cidr.address + "/" +
                                   std::to_string(cidr.prefix) + "'");
  }
  return Status::Ok();
}

}  // namespace

Status CreateBridge(int netns, const std::string& name, const Ipv4Cidr& address) {
  if (!ValidName(name)) return Status::InvalidArgument("bad link name '" + name + "'");
  if (Status st = CheckCidr(address); !st.ok()) return st;
  return InNamespace(netns, [&] {
    LinkRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    request.Attr(IFLA_IFNAME, name);
    size_t info = request.Begin(IFLA_LINKINFO);
    request.Attr(IFLA_INFO_KIND, std::string("bridge"));
    request.End(info);
    if (Status st = request.Send("create bridge " + name); !st.ok()) return st;
    return ConfigureLink(name, address);
  });
}

Status AddVeth(const VethSpec& spec) {
  if (!ValidName(spec.bridge) || !ValidName(spec.bridge_side) || !ValidName(spec.task_side)) {
    return Status::InvalidArgument("bad link name");
  }
  if (Status st = CheckCidr(spec.address); !st.ok()) return st;
  Status made = InNamespace(spec.bridge_netns, [&] {
    unsigned bridge = ::if_nametoindex(spec.bridge.c_str());
    if (bridge == 0) return Status::Unavailable("no bridge " + spec.bridge);
    LinkRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    request.Attr(IFLA_IFNAME, spec.bridge_side);
    request.Attr(IFLA_MASTER, static_cast<uint32_t>(bridge));
    size_t info = request.Begin(IFLA_LINKINFO);
    request.Attr(IFLA_INFO_KIND, std::string("veth"));
    size_t data = request.Begin(IFLA_INFO_DATA);
    size_t peer = request.Begin(VETH_INFO_PEER);
    request.Info();
    request.Attr(IFLA_IFNAME, spec.task_side);
    request.Attr(IFLA_NET_NS_FD, static_cast<uint32_t>(spec.task_netns));
    request.Attr(IFLA_ADDRESS, spec.mac.data(), spec.mac.size());
    request.End(peer);
    request.End(data);
    request.End(info);
    if (Status st = request.Send("create veth " + spec.bridge_side); !st.ok()) return st;
    return ConfigureLink(spec.bridge_side, std::nullopt);
  });
  if (!made.ok()) {
    (void)DeleteLink(spec.bridge_netns, spec.bridge_side);
    return made;
  }
  Status configured = InNamespace(spec.task_netns, [&] {
    Status st = ConfigureLink(spec.task_side, spec.address);
    for (const auto& [destination, gateway] : spec.host_routes) {
      if (st.ok()) st = AddHostRoute(spec.task_side, destination, gateway);
    }
    return st;
  });
  if (!configured.ok()) (void)DeleteLink(spec.bridge_netns, spec.bridge_side);
  return configured;
}

Status SetNetSysctl(int netns, const std::string& key, const std::string& value) {
  if (key.empty() || key.find("..") != std::string::npos) {
    return Status::InvalidArgument("bad sysctl '" + key + "'");
  }
  return InNamespace(netns, [&] {
    // /proc/sys/net shows the namespace of the thread that opens it.
    Status st = WriteFile("/proc/sys/net/" + key, value);
    if (!st.ok()) return Status::Unavailable(st.message());
    return Status::Ok();
  });
}

Status DeleteLink(int netns, const std::string& name) {
  if (!ValidName(name)) return Status::InvalidArgument("bad link name '" + name + "'");
  return InNamespace(netns, [&] {
    LinkRequest request(RTM_DELLINK, 0);
    request.Attr(IFLA_IFNAME, name);
    return request.Send("delete " + name);
  });
}

}  // namespace nimbus::sandbox
