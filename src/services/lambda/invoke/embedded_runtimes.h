// nimbus's own bootstraps for the python3.x and nodejs* runtimes, embedded at build time.
#pragma once

#include <string_view>

namespace nimbus::lambda {

std::string_view PythonBootstrapSource();
std::string_view NodeBootstrapSource();

}  // namespace nimbus::lambda
