// Function URL requests and responses as Lambda maps them: the HTTP request becomes the payload
// format 2.0 event (API Gateway HTTP API's), the function's result becomes the HTTP response
// (a {statusCode, headers, cookies, body, isBase64Encoded} object, or any other JSON as a 200
// application/json body), a streamed result's prelude its head, and CORS answers and headers
// come from the URL's Cors. Pure functions, thread-safe. Internal to the data plane.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/http.h"
#include "services/lambda/function_registry.h"

namespace nimbus::lambda {

// What the event says about the request beyond the request itself.
struct UrlEventContext {
  std::string url_id;
  std::string raw_path;     // the path the function sees ("/..."), percent-encoded as sent
  std::string domain_name;  // the Host without its port
  std::string source_ip;    // the peer's address
  std::string request_id;   // requestContext.requestId
  std::string trace_id;     // x-amzn-trace-id
  int64_t epoch_ms = 0;     // when the request arrived
  // AuthType AWS_IAM: the caller (requestContext.accountId and authorizer.iam); else
  // accountId is "anonymous".
  bool iam = false;
  std::string caller_account, caller_access_key;
};

// True when Lambda passes a body of this Content-Type as text (text/*, JSON, XML, JavaScript
// and their +json/+xml kinds); any other body, and one without a type, is base64-encoded.
bool IsTextContentType(std::string_view content_type);

// The payload format 2.0 event of `request` (its whole body read), as JSON text.
std::string BuildUrlEvent(const HttpRequest& request, const UrlEventContext& ctx);

// The HTTP response a BUFFERED URL answers for the function's `result` payload.
HttpResponse MapUrlResult(std::string_view result);

// The head of a streamed response: the JSON prelude of awslambda.HttpResponseStream
// ({statusCode, headers, cookies}) as status and headers. Invalid JSON answers 200.
HttpResponse MapStreamPrelude(std::string_view prelude);
// The separator between the prelude and the body: eight NUL bytes.
inline constexpr std::string_view kPreludeSeparator{"\0\0\0\0\0\0\0\0", 8};
// The Content-Type a runtime streams a prelude-led response under.
inline constexpr std::string_view kHttpIntegrationType =
    "application/vnd.awslambda.http-integration-response";

// A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) of a URL with Cors:
// answered by Lambda itself, with the CORS headers when the origin is allowed.
bool IsPreflight(const HttpRequest& request, const FunctionUrlCors& cors);
HttpResponse PreflightResponse(const HttpRequest& request, const FunctionUrlCors& cors);
// Replaces `response`'s CORS headers by the URL's for the request's Origin (none when the URL
// has no Cors or the request no allowed Origin).
void ApplyCors(const HttpRequest& request, const FunctionUrlCors& cors, HttpResponse& response);

// The URL answers Lambda gives when it does not invoke: {"Message": ...} with
// x-amzn-ErrorType `type`; a null message when `message` is empty.
HttpResponse UrlError(int status, std::string_view type, std::string_view message);

}  // namespace nimbus::lambda
