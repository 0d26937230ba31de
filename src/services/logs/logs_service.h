// CloudWatch Logs (model "logs", json 1.1): log groups, streams, events, retention, tags. Its
// state lives in one LogStore (log_store.h), which other services reach through the LogSink it
// publishes (api/log_sink.h, ServiceLinks::log_sink).
#pragma once

#include "services/kit/service.h"

namespace nimbus::logs {

// The logs service: no flags; creates the store (applying its schema) and publishes the sink.
ServiceFactory LogsService();

}  // namespace nimbus::logs
