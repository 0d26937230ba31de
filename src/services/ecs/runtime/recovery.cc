#include "services/ecs/runtime/recovery.h"

#include "services/ecs/runtime/task_status.h"

namespace nimbus::ecs {

Result<int> StopTasksLeftByRestart(EcsStore& store) {
  auto tasks = store.UnstoppedTasks();
  if (!tasks.ok()) return tasks.error();
  double now = static_cast<double>(store.clock().NowMillis()) / 1000.0;
  int n = 0;
  for (auto& [scope, row] : *tasks) {
    bool started = row.body.contains("startedAt");
    MarkStopped(row.body, started ? "TerminationNotice" : "TaskFailedToStart", kRestartReason,
                "nimbus stopped", now);
    NIMBUS_RETURN_IF_ERROR(store.PutTask(scope, row));
    ++n;
  }
  return n;
}

}  // namespace nimbus::ecs
