// Function URLs served: http://<url-id>.lambda-url.<region>.localhost:<port>/<path> (by Host)
// and http://<host>:<port>/_nimbus-lambda/url/<url-id>/<path> (for clients that cannot set the
// Host). AuthType AWS_IAM is checked in strict mode (SigV4 for service lambda, the function's
// own account); CORS preflights are answered without invoking; the request becomes the payload
// format 2.0 event (url_event.h) of a RequestResponse invocation handed to an InvocationRunner;
// BUFFERED answers the mapped result and RESPONSE_STREAM forwards a streamed response as it
// arrives (its prelude as the head). Internal to the data plane.
#pragma once

#include <string_view>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "core/clock.h"
#include "core/http.h"
#include "protocol/provider.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/invoke/invocation_runner.h"

namespace nimbus::lambda {

// Thread-safe (holds no state of its own); the references outlive it.
class FunctionUrlServer {
 public:
  FunctionUrlServer(FunctionRegistry& registry, const Clock& clock, InvocationRunner& runner)
      : registry_(registry), clock_(clock), runner_(runner) {}

  // Registers the host route "lambda-url" and the path form under kPathPrefix.
  void RegisterRoutes(RouteTable& routes);

  // Answers one request to a function URL (either form); every refusal is an HTTP answer in
  // Lambda's words (403 for an unknown URL, 413, 502 for a function error...). Await it on one
  // of the runner's loops.
  boost::asio::awaitable<HttpResponse> Serve(HttpRequest& request, const RequestVerifier& verifier);

  // The path form: <prefix><url-id>/<path>.
  static constexpr std::string_view kPathPrefix = "/_nimbus-lambda/url/";

 private:
  FunctionRegistry& registry_;
  const Clock& clock_;
  InvocationRunner& runner_;
};

}  // namespace nimbus::lambda
