// Amazon SNS (model "sns", query protocol, XML answers): topics, subscriptions and Publish in
// SQLite (sns_store.h), deliveries through a durable work queue (delivery.h) run on a thread of
// their own, signed with a key pair kept in <data_dir>/sns/ whose certificate nimbus serves at
// /SimpleNotificationService-<hash>.pem.
#pragma once

#include <string>

#include "services/kit/service.h"

namespace nimbus::sns {

// The SNS service. Flag --sns-time-divisor N divides every delivery retry delay by N (tests).
// Without event loops (an in-process harness) deliveries stay queued, undelivered.
ServiceFactory SnsService();

// The path of nimbus's local CA under `data_dir` (<data_dir>/sns/tls/ca.pem), created (with the
// https certificate it issues) when missing, as `nimbus serve` would. For `nimbus cert`.
Result<std::string> LocalCaPath(const std::string& data_dir);

}  // namespace nimbus::sns
