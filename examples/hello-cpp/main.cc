// Hello World for the nimbus C++ Lambda runtime.
// Event {"name":"Ada"} -> {"message":"Hello, Ada!","invocations":N}, where N counts the
// invocations served by this execution environment (a static survives between invokes).
#include <map>
#include <string>

#include "mini_json.h"
#include "nimbus/lambda/runtime.h"

using nimbus::lambda::InvocationRequest;
using nimbus::lambda::InvocationResponse;

namespace {

// Lives as long as the execution environment: shows environment reuse.
long invocations = 0;

InvocationResponse hello(const InvocationRequest& request) {
  ++invocations;
  std::map<std::string, std::string> fields;
  std::string_view payload = request.payload;
  if (!payload.empty() && !mini_json::read_object(payload, fields)) {
    return InvocationResponse::failure("the event must be a JSON object, e.g. {\"name\":\"Ada\"}",
                                       "Hello.InvalidEvent");
  }
  auto it = fields.find("name");
  std::string name = it != fields.end() && !it->second.empty() ? it->second : "World";
  std::string body = "{\"message\":";
  mini_json::append_string(body, "Hello, " + name + "!");
  body += ",\"invocations\":" + std::to_string(invocations) + "}";
  return InvocationResponse::success(std::move(body));
}

}  // namespace

int main() { return nimbus::lambda::run_handler(hello); }
