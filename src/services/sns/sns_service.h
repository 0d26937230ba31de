// Amazon SNS (model "sns", query protocol, XML answers): topics, subscriptions and Publish in
// SQLite (sns_store.h), deliveries through a durable work queue (delivery.h) run on a thread of
// their own, signed with a key pair kept in <data_dir>/sns/ whose certificate nimbus serves at
// /SimpleNotificationService-<hash>.pem.
#pragma once

#include "services/kit/service.h"

namespace nimbus::sns {

// The SNS service. Flag --sns-time-divisor N divides every delivery retry delay by N (tests).
// Without event loops (an in-process harness) deliveries stay queued, undelivered.
ServiceFactory SnsService();

}  // namespace nimbus::sns
