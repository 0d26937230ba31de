// CloudWatch Logs (model "logs", json 1.1): log groups, streams, events, retention, tags.
// State lives in the LogStore shared with services that ship logs (see log_store.h).
#pragma once

#include <memory>

#include "protocol/provider.h"
#include "services/logs/log_store.h"

namespace nimbus::logs {

// Creates the logs provider over `store` (never null). Thread-safe.
std::unique_ptr<Provider> MakeLogsProvider(std::shared_ptr<LogStore> store);

}  // namespace nimbus::logs
