// Streamed function responses on the Runtime API: POST invocation/{id}/response with
// Lambda-Runtime-Function-Response-Mode: streaming and a chunked body. Its bytes go to the
// invocation's ResponseChannel as they arrive (InvokeWithResponseStream) or are buffered into
// the result (Invoke); the Lambda-Runtime-Function-Error-Type/-Body trailers (base64 error JSON)
// turn it into a function error. The end is recorded as PostResult records a buffered post.
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/this_coro.hpp>

#include "core/http_body.h"
#include "protocol/wire.h"
#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/platform_text.h"
#include "services/lambda/invoke/response_channel.h"

namespace nimbus::lambda {

namespace {

constexpr size_t kMaxBufferedBytes = 6 * 1024 * 1024 + 100;      // as PostResult's limit
constexpr size_t kMaxStreamedBytes = size_t{200} * 1024 * 1024;  // AWS: 200 MB per response
constexpr std::string_view kErrorTypeTrailer = "Lambda-Runtime-Function-Error-Type";
constexpr std::string_view kErrorBodyTrailer = "Lambda-Runtime-Function-Error-Body";

HttpResponse InvalidResponseMode() {
  HttpResponse r;
  r.status = 400;
  r.body = ErrorPayload("InvalidFunctionResponseMode", "Invalid function response mode");
  r.headers.Add("Content-Type", "application/json");
  r.operation = "Lambda.RuntimeAPI";
  return r;
}

}  // namespace

boost::asio::awaitable<HttpResponse> DataPlaneImpl::PostStreamedResult(
    std::shared_ptr<Environment> env, std::string request_id, HttpRequest& request) {
  HttpBodyStream* body = std::exchange(request.body_stream, nullptr);
  std::string_view mode = request.headers.Get("Lambda-Runtime-Function-Response-Mode");
  if (mode.empty()) {  // a chunked but ordinary response
    if (!co_await body->ReadAll(request.body)) co_return HttpResponse{};  // the server answers
    co_return PostResult(*env, request_id, false, request);
  }
  if (!EqualsIgnoreCase(mode, "streaming")) co_return InvalidResponseMode();
  std::shared_ptr<ResponseChannel> channel;
  bool current = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current = env->current && env->delivered && env->current->request_id == request_id &&
              !env->current->finished;
    if (current) channel = env->current->stream;
    if (channel) {
      std::string_view type = request.headers.Get("Content-Type");
      env->current->stream_content_type = type.empty() ? "application/octet-stream" : type;
    }
  }
  if (!current) {
    request.body.clear();
    co_return PostResult(*env, request_id, false, request);  // 400 InvalidRequestID
  }
  auto executor = co_await boost::asio::this_coro::executor;
  std::string& buffered = request.body;  // Invoke: the whole response, for PostResult
  buffered.clear();
  size_t total = 0;
  for (;;) {
    auto piece = co_await body->Next();
    // The runtime went away mid-response: its exit (or the timeout) ends the invocation.
    if (!piece) co_return HttpResponse{};
    if (piece->empty()) break;
    total += piece->size();
    if (channel) {
      if (total <= kMaxStreamedBytes && channel->Push(*piece)) {
        co_await channel->WaitWritable(executor);
      }
    } else if (buffered.size() <= kMaxBufferedBytes) {
      buffered.append(piece->substr(0, kMaxBufferedBytes + 1 - buffered.size()));
    }
  }
  const HttpHeaders& trailers = body->trailers();
  std::string error_type(trailers.Get(kErrorTypeTrailer));
  std::string_view error_b64 = trailers.Get(kErrorBodyTrailer);
  if (channel && total > kMaxStreamedBytes) {
    error_type = "Function.ResponseSizeTooLarge";
    request.body = ErrorPayload(error_type,
                                "Response payload size exceeded maximum allowed "
                                "payload size (" +
                                    std::to_string(kMaxStreamedBytes) + " bytes).");
  } else if (!error_type.empty() || !error_b64.empty()) {
    auto decoded = wire::Base64Decode(error_b64);
    request.body = decoded ? std::move(*decoded) : std::string(error_b64);
  } else {
    co_return PostResult(*env, request_id, false, request);
  }
  // PostResult builds the error from the type when the body is not a JSON error object.
  request.headers.Set(kErrorTypeTrailer, error_type.empty() ? "Unhandled" : error_type);
  co_return PostResult(*env, request_id, true, request);
}

}  // namespace nimbus::lambda
