// ExecuteCommand (ECS Exec): checks the task runs with execute command enabled and the container
// is running, then issues a session whose streamUrl nimbus serves (exec/exec_endpoint.h).
#include "services/ecs/exec/exec_sessions.h"
#include "services/ecs/ops.h"
#include "services/ecs/task_json.h"
#include "services/kit/arn.h"
#include "services/kit/errors.h"
#include "services/kit/input.h"

namespace nimbus::ecs::ops {
namespace {

AwsError Invalid(std::string message) {
  return AwsError("InvalidParameterException", std::move(message));
}

constexpr char kNotEnabled[] =
    "The execute command failed because execute command was not enabled when the task was run "
    "or the execute command agent isn't running. Wait and try again or run a new task with "
    "execute command enabled and try again.";

}  // namespace

OpResult ExecuteCommand(EcsState& e, const CallContext& call, const Value& in) {
  EcsStore& s = *e.store;
  if (!Bool(in, "interactive")) return Invalid("Interactive is the only mode supported currently.");
  std::string command = Str(in, "command");
  std::vector<std::string> argv = exec::SplitCommand(command);
  if (argv.empty()) return Invalid("The command cannot be empty or malformed.");
  auto cluster = UseCluster(s, call, in);
  if (!cluster.ok()) return cluster.error();
  auto found = FindTask(s, call, *cluster, Str(in, "task"));
  if (!found.ok()) return found.error();
  if (!*found) return Invalid("The referenced task was not found.");
  const Value& task = (*found)->body;
  if (!Bool(task, "enableExecuteCommand")) return Invalid(kNotEnabled);
  const Value* container = nullptr;
  std::string wanted = Str(in, "container");
  static const Value kNone = Value::array();
  auto listed = task.find("containers");
  for (const Value& c : listed != task.end() && listed->is_array() ? *listed : kNone) {
    if (wanted.empty() || Str(c, "name") == wanted) {
      if (container != nullptr && wanted.empty()) {
        return Invalid(
            "The task has more than one container; specify the container to run the command "
            "in.");
      }
      container = &c;
    }
  }
  if (container == nullptr) {
    return Invalid("The container " + wanted + " does not exist in the task.");
  }
  std::string status = Str(*container, "lastStatus");
  if (status == "STOPPED" || Str(task, "desiredStatus") == "STOPPED") return Invalid(kNotEnabled);
  if (status != "RUNNING") {
    return AwsError("TargetNotConnectedException",
                    "The execute command failed due to an internal error. Try again later.");
  }
  exec::ExecTarget target{ScopeOf(call), *cluster, (*found)->id, Str(*container, "name"), argv};
  // As SSM knows it (DescribeSessions; what the CLI passes its plugin).
  target.ssm_target = "ecs:" + *cluster + "_" + (*found)->id + "_" + Str(*container, "runtimeId");
  target.owner = MakeArn("iam", Scope{call.account_id, ""}, "root");
  exec::IssuedSession session = e.exec_sessions->Issue(std::move(target));
  return Value{{"clusterArn", Str(task, "clusterArn")},
               {"containerArn", Str(*container, "containerArn")},
               {"containerName", Str(*container, "name")},
               {"interactive", true},
               {"taskArn", Str(task, "taskArn")},
               {"session",
                {{"sessionId", session.session_id},
                 {"streamUrl", session.stream_url},
                 {"tokenValue", session.token}}}};
}

}  // namespace nimbus::ecs::ops
