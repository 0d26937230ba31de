#include "services/ecs/network/metadata_endpoint.h"

#include <utility>

namespace nimbus::ecs {
namespace {

HttpResponse Json(int status, const Value& body) {
  HttpResponse r;
  r.status = status;
  r.headers.Add("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

HttpResponse NotFound(const std::string& what) {
  return Json(404, Value{{"code", "NotFound"}, {"message", what}});
}

constexpr std::chrono::hours kRoleCredentialLifetime{6};

auth::IssuedCredential Issue(const MetadataSource& s) {
  if (s.issuer == nullptr) {
    return {auth::AccountKeyCredential(s.scope.account), s.clock->Now() + kRoleCredentialLifetime};
  }
  // Acting as the task role's session named after the task, as ECS names it (in the task's
  // account: nimbus lets a role of another account be named, AWS would not).
  std::string role = s.role_arn;
  if (role.size() > 25 && role.starts_with("arn:aws:iam::")) {
    role = "arn:aws:iam::" + s.scope.account + role.substr(25);
  }
  auth::IssuedCredential issued =
      s.issuer->Issue(s.scope.account, kRoleCredentialLifetime,
                      auth::AssumedRolePrincipal(role, s.task_id).value_or(auth::Principal{}));
  if (s.issued) {
    std::lock_guard<std::mutex> lock(s.issued->mu);
    s.issued->keys.push_back(issued.credential.access_key_id);
  }
  return issued;
}

HttpResponse Answer(const MetadataSource& s, const HttpRequest& request) {
  if (request.method != "GET") {
    return Json(405, Value{{"code", "MethodNotAllowed"}, {"message", "only GET is served"}});
  }
  const std::string& path = request.path;
  const std::string credentials = "/v2/credentials/";
  if (path.rfind(credentials, 0) == 0) {
    if (s.credentials_id.empty() || path.substr(credentials.size()) != s.credentials_id) {
      return NotFound("Credentials not found for the given id");
    }
    return Json(200, RoleCredentials(s.role_arn, Issue(s)));
  }
  if (path.rfind("/v4/", 0) != 0 && path.rfind("/v3/", 0) != 0) return NotFound("no such path");
  std::string rest = path.substr(4);
  size_t slash = rest.find('/');
  std::string token = rest.substr(0, slash);
  std::string what = slash == std::string::npos ? "" : rest.substr(slash);
  auto container = s.containers.find(token);
  if (container == s.containers.end()) return NotFound("no such container");
  auto row = s.store->GetTask(s.scope, s.task_id);
  if (!row.ok() || !row->has_value()) return NotFound("task not found");
  Value task = std::move((*row)->body);
  if (s.started) {  // a started container is RUNNING with its id, whatever the store says yet
    auto started = s.started();
    for (Value& c : task["containers"]) {
      auto it = started.find(c.value("name", ""));
      if (it == started.end()) continue;
      if (c.value("runtimeId", "").empty()) c["runtimeId"] = it->second;
      if (c.value("lastStatus", "") == "PENDING") c["lastStatus"] = "RUNNING";
    }
  }
  if (what.empty() || what == "/") {
    return Json(200, ContainerMetadata(task, s.task_definition, container->second, s.network));
  }
  if (what == "/task") return Json(200, TaskMetadata(task, s.task_definition, s.network));
  if (what == "/stats" || what == "/task/stats") {
    Value all = s.stats ? s.stats() : Value::object();
    if (what == "/task/stats") return Json(200, all);
    Value mine = ContainerMetadata(task, s.task_definition, container->second, s.network);
    return Json(200, all.value(mine.value("DockerId", ""), Value::object()));
  }
  return NotFound("no such path");
}

}  // namespace

void RevokeIssued(const MetadataSource& source) {
  if (source.issuer == nullptr || !source.issued) return;
  std::lock_guard<std::mutex> lock(source.issued->mu);
  for (const auto& key : source.issued->keys) source.issuer->Revoke(key);
  source.issued->keys.clear();
}

RawHandler MetadataHandler(MetadataLookup lookup) {
  return
      [lookup = std::move(lookup)](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
        auto source = lookup(request);
        if (!source) co_return NotFound("no task at this address");
        co_return Answer(*source, request);
      };
}

}  // namespace nimbus::ecs
