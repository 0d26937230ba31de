// Restart recovery: a task nimbus was running when it stopped (or was killed) did not survive
// it (its containers died with nimbus: sandbox init exits when nimbus's lifeline closes), so
// at start every task not STOPPED is reported STOPPED with a reason that says why.
#pragma once

#include "core/status.h"
#include "services/ecs/ecs_store.h"

namespace nimbus::ecs {

// Marks every unstopped task of every account STOPPED; returns how many. Durable on return.
Result<int> StopTasksLeftByRestart(EcsStore& store);

// The task's stoppedReason after a restart.
inline constexpr char kRestartReason[] =
    "nimbus stopped while the task was running (its containers ended with it)";

}  // namespace nimbus::ecs
