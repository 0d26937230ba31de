// The Lambda Runtime API's wire side (2018-06-01), apart from the environment state it drives
// (runtime_api.cc): which route a request to an environment's private listener asks for, the
// answers' shapes, and the error object a runtime posted. Pure functions; thread-safe.
// Internal to the data plane.
#pragma once

#include <string_view>

#include "core/http.h"

namespace nimbus::lambda {

struct RuntimeApiRoute {
  enum class Kind {
    kNext,          // GET invocation/next
    kResponse,      // POST invocation/{id}/response
    kError,         // POST invocation/{id}/error
    kInitError,     // POST init/error
    kWrongMethod,   // invocation/next with another method: 405
    kUnknown,       // anything else: 404
  };
  Kind kind = Kind::kUnknown;
  std::string_view request_id;  // kResponse, kError: a view into the path given
};

// The route of `method` `path` (the request's percent-encoded path).
RuntimeApiRoute RouteRuntimeApi(std::string_view method, std::string_view path);

// An error answer: {"errorMessage": message, "errorType": type} with `status`.
HttpResponse RuntimeApiError(int status, std::string_view type, std::string_view message);
// 202 {"status":"OK"}: a result or error taken.
HttpResponse RuntimeApiAccepted();

// The error object a runtime posted: its body when that is JSON, else one built from the body
// as the message and the Lambda-Runtime-Function-Error-Type header ("Unhandled" without one).
std::string PostedErrorBody(const HttpRequest& request);

}  // namespace nimbus::lambda
