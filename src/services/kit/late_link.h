// A link whose publisher is built after its user. The service table builds services in one
// order and each may use only what an earlier one published; when two services need each other
// (SNS delivers to Lambda through its invoker, Lambda's destinations publish to SNS), one side
// goes through a LateLink instead: ServiceLinks holds it from the start, the publisher Sets it
// when it is built, and the user reads it with Get at each use (null until then, or when the
// publisher is not built at all). Thread-safe.
#pragma once

#include <memory>
#include <mutex>

namespace nimbus {

template <class T>
class LateLink {
 public:
  void Set(std::shared_ptr<T> value) {
    std::lock_guard lock(mu_);
    value_ = std::move(value);
  }
  std::shared_ptr<T> Get() const {
    std::lock_guard lock(mu_);
    return value_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> value_;
};

}  // namespace nimbus
