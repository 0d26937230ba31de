#include "services/sns/delivery_policy.h"

#include <cmath>

#include "protocol/call.h"

namespace nimbus::sns {

std::optional<double> RetryPolicy::DelayBeforeRetry(int retry) const {
  if (retry < 1 || retry > num_retries) return std::nullopt;
  int backoff = num_retries - num_no_delay_retries - num_min_delay_retries - num_max_delay_retries;
  if (backoff < 0) backoff = 0;
  double lo = min_delay_target, hi = max_delay_target;
  int i = retry;
  if (i <= num_no_delay_retries) return 0.0;
  i -= num_no_delay_retries;
  if (i <= num_min_delay_retries) return lo;
  i -= num_min_delay_retries;
  if (i <= backoff) {
    // Step i of `backoff` steps from lo towards hi (the last step reaches hi).
    double x = static_cast<double>(i) / backoff;
    double f = x;  // linear
    if (backoff_function == "arithmetic") {
      f = static_cast<double>(i) * (i + 1) / (static_cast<double>(backoff) * (backoff + 1));
    } else if (backoff_function == "geometric") {
      f = lo > 0 ? (std::pow(hi / lo, x) * lo - lo) / (hi - lo == 0 ? 1 : hi - lo) : x * x;
    } else if (backoff_function == "exponential") {
      f = (std::pow(2.0, i) - 1) / (std::pow(2.0, backoff) - 1);
    }
    return lo + (hi - lo) * f;
  }
  return hi;
}

std::string RetryPolicy::EffectiveJson() const {
  Value healthy{{"minDelayTarget", min_delay_target},
                {"maxDelayTarget", max_delay_target},
                {"numRetries", num_retries},
                {"numMaxDelayRetries", num_max_delay_retries},
                {"numNoDelayRetries", num_no_delay_retries},
                {"numMinDelayRetries", num_min_delay_retries},
                {"backoffFunction", backoff_function}};
  Value http{{"defaultHealthyRetryPolicy", healthy}, {"disableSubscriptionOverrides", false}};
  if (max_receives_per_second) {
    http["defaultThrottlePolicy"] = {{"maxReceivesPerSecond", *max_receives_per_second}};
  }
  return Value{{"http", http}}.dump();
}

Result<RetryPolicy, std::string> ParseDeliveryPolicy(std::string_view json, bool topic_level,
                                                     RetryPolicy base) {
  Value v = Value::parse(json, nullptr, false);
  if (!v.is_object()) return std::string("DeliveryPolicy: failed to parse JSON.");
  const Value* root = &v;
  if (topic_level) {
    auto http = v.find("http");
    if (http == v.end()) return base;
    if (!http->is_object()) return std::string("DeliveryPolicy: http must be an object");
    root = &*http;
  }
  RetryPolicy p = base;
  const char* healthy_key = topic_level ? "defaultHealthyRetryPolicy" : "healthyRetryPolicy";
  if (auto h = root->find(healthy_key); h != root->end() && !h->is_null()) {
    if (!h->is_object())
      return std::string("DeliveryPolicy: ") + healthy_key + " must be an object";
    struct Field {
      const char* name;
      int* out;
      int lo, hi;
    } fields[] = {
        {"minDelayTarget", &p.min_delay_target, 1, 3600},
        {"maxDelayTarget", &p.max_delay_target, 1, 3600},
        {"numRetries", &p.num_retries, 0, 100},
        {"numNoDelayRetries", &p.num_no_delay_retries, 0, 100},
        {"numMinDelayRetries", &p.num_min_delay_retries, 0, 100},
        {"numMaxDelayRetries", &p.num_max_delay_retries, 0, 100},
    };
    for (const Field& f : fields) {
      auto it = h->find(f.name);
      if (it == h->end()) continue;
      if (!it->is_number_integer()) {
        return std::string("DeliveryPolicy: ") + healthy_key + "." + f.name + " must be an integer";
      }
      int64_t n = it->get<int64_t>();
      if (n < f.lo || n > f.hi) {
        return std::string("DeliveryPolicy: ") + healthy_key + "." + f.name + " must be between " +
               std::to_string(f.lo) + " and " + std::to_string(f.hi);
      }
      *f.out = static_cast<int>(n);
    }
    if (auto b = h->find("backoffFunction"); b != h->end()) {
      std::string fn = b->is_string() ? b->get<std::string>() : "";
      if (fn != "linear" && fn != "arithmetic" && fn != "geometric" && fn != "exponential") {
        return std::string("DeliveryPolicy: ") + healthy_key +
               ".backoffFunction must be one of arithmetic, exponential, geometric, linear";
      }
      p.backoff_function = fn;
    }
    if (p.min_delay_target > p.max_delay_target) {
      return std::string("DeliveryPolicy: ") + healthy_key +
             ".minDelayTarget must be less than or equal to maxDelayTarget";
    }
    if (p.num_no_delay_retries + p.num_min_delay_retries + p.num_max_delay_retries >
        p.num_retries) {
      return std::string("DeliveryPolicy: ") + healthy_key +
             ".numRetries must be greater than or equal to the sum of numNoDelayRetries, "
             "numMinDelayRetries and numMaxDelayRetries";
    }
  }
  const char* throttle_key = topic_level ? "defaultThrottlePolicy" : "throttlePolicy";
  if (auto t = root->find(throttle_key); t != root->end() && !t->is_null()) {
    auto m = t->is_object() ? t->find("maxReceivesPerSecond") : t->end();
    if (!t->is_object() || m == t->end() || !m->is_number_integer() || m->get<int64_t>() < 1) {
      return std::string("DeliveryPolicy: ") + throttle_key +
             ".maxReceivesPerSecond must be an integer greater than 0";
    }
    p.max_receives_per_second = static_cast<int>(m->get<int64_t>());
  }
  return p;
}

}  // namespace nimbus::sns
