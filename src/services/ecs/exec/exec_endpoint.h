// ECS Exec's streamUrls on nimbus's main port: GET /v1/data-channel/<session id> upgraded to a
// WebSocket that speaks the Session Manager data channel (data_channel.h). A request that is not
// a WebSocket handshake gets 400; an unknown session learns it from the closed WebSocket (the
// token is only in its first frame).
#pragma once

#include <memory>

#include "protocol/provider.h"
#include "services/ecs/exec/exec_sessions.h"
#include "services/ecs/runtime/task_runtime.h"

namespace nimbus::ecs::exec {

inline constexpr char kDataChannelPath[] = "/v1/data-channel";

// The route's handler. Thread-safe (any event loop).
RawHandler MakeDataChannelHandler(std::shared_ptr<ExecSessions> sessions,
                                  std::shared_ptr<TaskRuntime> runtime);

}  // namespace nimbus::ecs::exec
