#include "services/ecs/exec_control.h"

#include "services/ecs/ops.h"
#include "services/kit/arn.h"
#include "services/kit/input.h"

namespace nimbus::ecs {
namespace {

// SSM's answer for a target no agent of it is connected for.
AwsError NotConnected(const std::string& target) {
  return AwsError("TargetNotConnected", target + " is not connected.");
}

struct EcsTarget {
  std::string cluster, task_id, runtime_id;
};

// "ecs:<cluster>_<task id>_<runtime id>" (a cluster name may hold '_'; the ids do not).
std::optional<EcsTarget> ParseTarget(const std::string& target) {
  if (!target.starts_with("ecs:")) return std::nullopt;
  std::string rest = target.substr(4);
  size_t last = rest.rfind('_');
  if (last == std::string::npos || last == 0) return std::nullopt;
  size_t middle = rest.rfind('_', last - 1);
  if (middle == std::string::npos || middle == 0) return std::nullopt;
  EcsTarget t{rest.substr(0, middle), rest.substr(middle + 1, last - middle - 1),
              rest.substr(last + 1)};
  if (t.task_id.empty() || t.runtime_id.empty()) return std::nullopt;
  return t;
}

class EcsExecControl final : public ExecSessionControl {
 public:
  explicit EcsExecControl(std::shared_ptr<EcsState> state) : state_(std::move(state)) {}

  Result<Session, AwsError> Start(const CallContext& call, const std::string& target,
                                  const std::string& document,
                                  const std::string& command) override {
    std::vector<std::string> argv = {"/bin/sh"};
    if (!command.empty()) argv = exec::SplitCommand(command);
    if (argv.empty()) return AwsError("InvalidParameters", "Parameter command is malformed.");
    auto parsed = ParseTarget(target);
    if (!parsed) return NotConnected(target);
    EcsStore& s = *state_->store;
    auto cluster = ops::UseCluster(s, call, Value{{"cluster", parsed->cluster}});
    if (!cluster.ok()) return NotConnected(target);
    auto found = ops::FindTask(s, call, *cluster, parsed->task_id);
    if (!found.ok() || !*found) return NotConnected(target);
    const Value& task = (*found)->body;
    if (!Bool(task, "enableExecuteCommand") || Str(task, "desiredStatus") == "STOPPED") {
      return NotConnected(target);
    }
    auto listed = task.find("containers");
    if (listed == task.end() || !listed->is_array()) return NotConnected(target);
    for (const Value& c : *listed) {
      if (Str(c, "runtimeId") != parsed->runtime_id) continue;
      if (Str(c, "lastStatus") != "RUNNING") return NotConnected(target);
      exec::ExecTarget run{ScopeOf(call), *cluster, (*found)->id, Str(c, "name"), std::move(argv)};
      run.ssm_target = target;
      run.owner = MakeArn("iam", Scope{call.account_id, ""}, "root");
      run.document = document;
      exec::IssuedSession issued = state_->exec_sessions->Issue(std::move(run), "root");
      return Session{issued.session_id, issued.token, issued.stream_url};
    }
    return NotConnected(target);
  }

  Result<Session, AwsError> Resume(const CallContext& call, const std::string& id) override {
    auto issued = state_->exec_sessions->Resume(ScopeOf(call), id);
    if (!issued.ok()) return AwsError("DoesNotExistException", issued.error().message());
    return Session{issued->session_id, issued->token, issued->stream_url};
  }

  void Terminate(const CallContext& call, const std::string& id) override {
    state_->exec_sessions->Terminate(ScopeOf(call), id);
  }

  std::vector<Summary> List(const CallContext& call, bool active) override {
    std::vector<Summary> out;
    for (exec::SessionInfo& info : state_->exec_sessions->List(ScopeOf(call), active)) {
      out.push_back(Summary{std::move(info.session_id), std::move(info.target),
                            std::move(info.owner), std::move(info.document),
                            exec::StatusName(info.status), info.start, info.end});
    }
    return out;
  }

 private:
  std::shared_ptr<EcsState> state_;
};

}  // namespace

std::shared_ptr<ExecSessionControl> MakeExecSessionControl(std::shared_ptr<EcsState> state) {
  return std::make_shared<EcsExecControl>(std::move(state));
}

}  // namespace nimbus::ecs
