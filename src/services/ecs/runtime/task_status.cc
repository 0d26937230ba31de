#include "services/ecs/runtime/task_status.h"

#include "services/kit/input.h"

namespace nimbus::ecs {

void SetLastStatus(Value& task, const std::string& status, bool containers_too) {
  task["lastStatus"] = status;
  task["version"] = Int(task, "version") + 1;
  if (!containers_too) return;
  for (Value& c : task["containers"]) c["lastStatus"] = status;
}

void MarkStopped(Value& task, const std::string& stop_code, const std::string& reason,
                 const std::string& container_reason, double now) {
  task["desiredStatus"] = "STOPPED";
  if (!task.contains("stopCode")) task["stopCode"] = stop_code;
  if (!task.contains("stoppedReason")) task["stoppedReason"] = reason;
  for (const char* key : {"stoppingAt", "executionStoppedAt", "stoppedAt"}) {
    if (!task.contains(key)) task[key] = now;
  }
  for (Value& c : task["containers"]) {
    if (!c.contains("exitCode") && !container_reason.empty() && !c.contains("reason")) {
      c["reason"] = container_reason;
    }
    c["lastStatus"] = "STOPPED";
  }
  if (task.contains("attachments")) {  // the task's ENI is gone with it
    for (Value& a : task["attachments"]) a["status"] = "DELETED";
  }
  SetLastStatus(task, "STOPPED");
}

Value* FindContainer(Value& task, const std::string& name) {
  if (!task.contains("containers")) return nullptr;
  for (Value& c : task["containers"]) {
    if (Str(c, "name") == name) return &c;
  }
  return nullptr;
}

}  // namespace nimbus::ecs
