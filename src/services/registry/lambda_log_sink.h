// Adapts the CloudWatch Logs store to the Lambda data plane's LogSink.
#pragma once

#include <memory>

#include "services/lambda/data_plane.h"
#include "services/logs/log_store.h"

namespace nimbus {

// Ships Lambda log lines into CloudWatch Logs, creating the group and stream on first use.
// Thread-safe. Keeps the store alive.
std::shared_ptr<lambda::LogSink> MakeLambdaLogSink(std::shared_ptr<logs::LogStore> store);

}  // namespace nimbus
