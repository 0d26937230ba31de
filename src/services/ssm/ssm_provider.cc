#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "protocol/wire.h"
#include "services/ecs/api/exec_sessions.h"
#include "services/kit/input.h"
#include "services/kit/operations.h"
#include "services/ssm/ssm_service.h"

namespace nimbus::ssm {
namespace {

struct Ssm {
  std::shared_ptr<ecs::ExecSessionControl> exec;  // null: no ECS
};

// The documents a Session Manager session to an ECS container may run: a shell, or a command.
constexpr char kShellDocument[] = "SSM-SessionManagerRunShell";
constexpr char kInteractiveCommand[] = "AWS-StartInteractiveCommand";
constexpr char kNonInteractiveCommand[] = "AWS-StartNonInteractiveCommand";

AwsError Validation(const std::string& message) { return AwsError("ValidationException", message); }

Value SessionAnswer(const ecs::ExecSessionControl::Session& s) {
  Value out = {{"SessionId", s.session_id}};
  if (!s.token_value.empty()) {
    out["TokenValue"] = s.token_value;
    out["StreamUrl"] = s.stream_url;
  }
  return out;
}

OpResult StartSession(Ssm& ssm, const CallContext& call, const Value& in) {
  auto target = RequiredStr(in, "Target", "ValidationException");
  if (!target.ok()) return target.error();
  std::string document = Str(in, "DocumentName");
  std::string command_line;  // empty: the shell
  if (document == kInteractiveCommand || document == kNonInteractiveCommand) {
    auto params = in.find("Parameters");
    const Value* command = nullptr;
    if (params != in.end() && params->is_object()) {
      auto c = params->find("command");
      if (c != params->end() && c->is_array() && !c->empty()) command = &*c;
    }
    if (command == nullptr) {
      return AwsError("InvalidParameters", "Document " + document + " needs parameter command.");
    }
    for (const Value& part : *command) {
      if (!part.is_string()) return Validation("Parameters.command holds strings only.");
      command_line += (command_line.empty() ? "" : "\n") + part.get<std::string>();
    }
    if (command_line.find_first_not_of(" \t\n") == std::string::npos) {
      return AwsError("InvalidParameters", "Parameter command is empty.");
    }
  } else if (!document.empty() && document != kShellDocument) {
    return AwsError("InvalidDocument", "Document " + document +
                                           " is not supported for ECS targets by nimbus (" +
                                           kShellDocument + ", " + kInteractiveCommand + " and " +
                                           kNonInteractiveCommand + " are).");
  }
  if (!ssm.exec) return AwsError("TargetNotConnected", *target + " is not connected.");
  auto session = ssm.exec->Start(call, *target, document, command_line);
  if (!session.ok()) return session.error();
  return SessionAnswer(*session);
}

OpResult ResumeSession(Ssm& ssm, const CallContext& call, const Value& in) {
  auto id = RequiredStr(in, "SessionId", "ValidationException");
  if (!id.ok()) return id.error();
  if (!ssm.exec) return AwsError("DoesNotExistException", "Session " + *id + " does not exist.");
  auto session = ssm.exec->Resume(call, *id);
  if (!session.ok()) return session.error();
  return SessionAnswer(*session);
}

OpResult TerminateSession(Ssm& ssm, const CallContext& call, const Value& in) {
  auto id = RequiredStr(in, "SessionId", "ValidationException");
  if (!id.ok()) return id.error();
  if (ssm.exec) ssm.exec->Terminate(call, *id);
  return Value{{"SessionId", *id}};
}

double Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

OpResult DescribeSessions(Ssm& ssm, const CallContext& call, const Value& in) {
  std::string state = Str(in, "State");
  if (state != "Active" && state != "History") {
    return Validation("1 validation error detected: Value '" + state +
                      "' at 'state' failed to satisfy constraint: Member must satisfy enum "
                      "value set: [Active, History]");
  }
  int64_t max = Int(in, "MaxResults", 20);
  if (max < 1 || max > 200) {
    return Validation("1 validation error detected: Value '" + std::to_string(max) +
                      "' at 'maxResults' failed to satisfy constraint: Member must have value "
                      "between 1 and 200");
  }
  std::vector<std::pair<std::string, std::string>> filters;
  std::optional<double> after, before;  // InvokedAfter / InvokedBefore, epoch seconds
  if (auto f = in.find("Filters"); f != in.end() && f->is_array()) {
    for (const Value& filter : *f) {
      std::string key = Str(filter, "key"), value = Str(filter, "value");
      if (key == "InvokedAfter" || key == "InvokedBefore") {
        auto when = wire::ParseTimestamp(value);
        if (!when) return Validation("The filter value " + value + " is not a timestamp.");
        (key == "InvokedAfter" ? after : before) = *when;
        continue;
      }
      if (key != "Target" && key != "Owner" && key != "Status" && key != "SessionId" &&
          key != "AccessType") {
        return AwsError("InvalidFilterKey", "The filter key " + key + " is not supported.");
      }
      filters.emplace_back(key, value);
    }
  }
  std::vector<ecs::ExecSessionControl::Summary> sessions;
  if (ssm.exec) sessions = ssm.exec->List(call, state == "Active");
  std::sort(sessions.begin(), sessions.end(),
            [](const auto& a, const auto& b) { return a.start > b.start; });
  size_t offset = 0;
  if (std::string token = Str(in, "NextToken"); !token.empty()) {
    if (token.find_first_not_of("0123456789") != std::string::npos || token.size() > 9) {
      return AwsError("InvalidNextToken", "The specified token is not valid.");
    }
    offset = std::stoul(token);
  }
  Value list = Value::array();
  size_t matched = 0;
  std::string next;
  for (const auto& s : sessions) {
    static const std::string kStandard = "Standard";  // every nimbus session's AccessType
    bool keep = std::all_of(filters.begin(), filters.end(), [&](const auto& f) {
      const std::string& have = f.first == "Target"       ? s.target
                                : f.first == "Owner"      ? s.owner
                                : f.first == "Status"     ? s.status
                                : f.first == "AccessType" ? kStandard
                                                          : s.session_id;
      return have == f.second;
    });
    keep =
        keep && (!after || Seconds(s.start) >= *after) && (!before || Seconds(s.start) <= *before);
    if (!keep || matched++ < offset) continue;
    if (list.size() == static_cast<size_t>(max)) {
      next = std::to_string(matched - 1);
      break;
    }
    Value v = {{"SessionId", s.session_id},     {"Target", s.target}, {"Status", s.status},
               {"StartDate", Seconds(s.start)}, {"Owner", s.owner},   {"Details", ""}};
    if (!s.document.empty()) v["DocumentName"] = s.document;
    v["AccessType"] = "Standard";
    if (s.end) v["EndDate"] = Seconds(*s.end);
    list.push_back(std::move(v));
  }
  Value out = {{"Sessions", std::move(list)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

constexpr Operation<Ssm> kOperations[] = {
    {"StartSession", StartSession},
    {"ResumeSession", ResumeSession},
    {"TerminateSession", TerminateSession},
    {"DescribeSessions", DescribeSessions},
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  auto ssm = std::make_shared<Ssm>();
  ssm->exec = ctx.links.ecs_exec;
  return MakeProvider("ssm", std::move(ssm), kOperations);
}

}  // namespace

ServiceFactory SsmService() { return {"ssm", {}, Create}; }

}  // namespace nimbus::ssm
