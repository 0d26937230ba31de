#include "services/ecs/exec/exec_endpoint.h"

#include <nlohmann/json.hpp>

#include "protocol/websocket.h"
#include "services/ecs/exec/data_channel.h"

namespace nimbus::ecs::exec {
namespace {

HttpResponse BadRequest(const std::string& message) {
  HttpResponse r;
  r.status = 400;
  r.headers.Add("Content-Type", "application/json");
  r.body = nlohmann::json{{"message", message}}.dump();
  r.close = true;
  return r;
}

}  // namespace

RawHandler MakeDataChannelHandler(std::shared_ptr<ExecSessions> sessions,
                                  std::shared_ptr<TaskRuntime> runtime) {
  return [sessions, runtime](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
    std::string prefix = std::string(kDataChannelPath) + "/";
    std::string session_id;
    if (request.path.starts_with(prefix)) session_id = request.path.substr(prefix.size());
    if (session_id.empty() || session_id.find('/') != std::string::npos) {
      co_return BadRequest("expected " + prefix + "<session id>");
    }
    auto accepted = ws::AcceptHandshake(request);
    if (!accepted.ok()) co_return BadRequest(accepted.error().message());
    HttpResponse response = std::move(*accepted);
    response.upgrade = std::make_shared<DataChannelSession>(sessions, runtime, session_id);
    response.operation = "ecs.DataChannel";
    co_return response;
  };
}

}  // namespace nimbus::ecs::exec
