#include "server/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace nimbus {

size_t RaiseDescriptorLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? size_t{1} << 20 : static_cast<size_t>(lim.rlim_cur);
}

size_t ConnectionCapFor(size_t descriptor_limit) {
  size_t reserve = std::max<size_t>(64, descriptor_limit / 4);
  return descriptor_limit > reserve ? descriptor_limit - reserve : 1;
}

}  // namespace nimbus
