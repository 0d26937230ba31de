// HTTP/S delivery retry policies (reference G.4): AWS's default and a subscription's or topic's
// DeliveryPolicy, parsed with AWS's validation, and the delay before each retry. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nimbus::sns {

struct RetryPolicy {
  int min_delay_target = 20;  // seconds
  int max_delay_target = 20;
  int num_retries = 3;
  int num_no_delay_retries = 0;
  int num_min_delay_retries = 0;
  int num_max_delay_retries = 0;
  std::string backoff_function = "linear";     // arithmetic, exponential, geometric, linear
  std::optional<int> max_receives_per_second;  // throttlePolicy

  // The delay in seconds before retry `retry` (1 = the first retry after the first attempt),
  // or nullopt once the retries are used up. Phases in order: immediate (no delay), pre-backoff
  // (minDelayTarget), backoff (from min to max along the backoff function), post-backoff
  // (maxDelayTarget).
  std::optional<double> DelayBeforeRetry(int retry) const;

  // The policy as EffectiveDeliveryPolicy shows it ({"http":{"defaultHealthyRetryPolicy":...}}).
  std::string EffectiveJson() const;
};

// Parses a DeliveryPolicy attribute ({"healthyRetryPolicy":{...},"throttlePolicy":{...}} for a
// subscription; a topic's has them under "http") over `base`. The error is AWS's text after
// "Invalid parameter: ".
Result<RetryPolicy, std::string> ParseDeliveryPolicy(std::string_view json, bool topic_level,
                                                     RetryPolicy base = {});

}  // namespace nimbus::sns
