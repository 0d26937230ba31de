#include "services/lambda/invoke/url_server.h"

#include <deque>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include "core/http_body.h"
#include "core/ids.h"
#include "services/lambda/invoke/invoke_request.h"
#include "services/lambda/invoke/response_channel.h"
#include "services/lambda/invoke/url_event.h"

namespace nimbus::lambda {
namespace {

constexpr size_t kMaxUrlPayload = 6 * 1024 * 1024;

std::string LowerLabel(std::string_view host) {
  std::string id(host.substr(0, host.find('.')));
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return id;
}

HttpResponse Forbidden() { return UrlError(403, "AccessDeniedException", "Forbidden"); }

HttpResponse FromAwsError(const AwsError& e) { return UrlError(e.http_status, e.code, e.message); }

// The body of a RESPONSE_STREAM answer: what followed the prelude, then the channel's pieces.
class UrlStreamBody : public HttpResponseStream {
 public:
  UrlStreamBody(std::shared_ptr<ResponseChannel> channel, std::string first)
      : channel_(std::move(channel)), first_(std::move(first)) {}
  ~UrlStreamBody() override { channel_->Cancel(); }

  boost::asio::awaitable<bool> Next(std::string& piece) override {
    piece.clear();
    if (!first_.empty()) {
      piece.swap(first_);
      co_return true;
    }
    while (!done_) {
      std::deque<std::string> pieces;
      auto outcome = co_await channel_->Next(pieces);
      for (const std::string& p : pieces) piece += p;
      if (outcome) done_ = true;
      if (!piece.empty()) co_return true;
    }
    co_return false;
  }

 private:
  std::shared_ptr<ResponseChannel> channel_;
  std::string first_;
  bool done_ = false;
};

// Serve with every answer, refusals included, named in the access log.
boost::asio::awaitable<HttpResponse> ServeLabelled(FunctionUrlServer* server, HttpRequest& request,
                                                   const RequestVerifier& verifier) {
  HttpResponse response = co_await server->Serve(request, verifier);
  response.operation = "Lambda.InvokeFunctionUrl";
  co_return response;
}

}  // namespace

void FunctionUrlServer::RegisterRoutes(RouteTable& routes) {
  routes.AddHostRoute("lambda-url", std::string(kPathPrefix),
                      [this](HttpRequest& request, const RequestVerifier& verifier) {
                        return ServeLabelled(this, request, verifier);
                      });
}

boost::asio::awaitable<HttpResponse> FunctionUrlServer::Serve(HttpRequest& request,
                                                              const RequestVerifier& verifier) {
  std::string_view host = request.headers.Get("Host");
  host = host.substr(0, host.find(':'));
  UrlEventContext ctx;
  const bool path_form = request.path.starts_with(kPathPrefix);
  if (path_form) {
    std::string_view rest = std::string_view(request.path).substr(kPathPrefix.size());
    ctx.url_id = LowerLabel(rest.substr(0, rest.find('/')));
    size_t slash = rest.find('/');
    ctx.raw_path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  } else {
    ctx.url_id = LowerLabel(host);
    ctx.raw_path = request.path.empty() ? "/" : request.path;
  }
  std::optional<FunctionUrlTarget> target = registry_.ResolveFunctionUrl(ctx.url_id);
  // The region a host names is part of the URL: another region's host finds nothing there.
  if (target && !path_form) {
    std::string_view after = host.substr(host.find('.') + 1);  // lambda-url.<region>...
    after = after.substr(after.find('.') + 1);
    if (after.substr(0, after.find('.')) != target->region) target.reset();
  }
  if (!target) co_return UrlError(403, "AccessDeniedException", "");
  ctx.domain_name =
      path_form ? ctx.url_id + ".lambda-url." + target->region + ".localhost" : std::string(host);

  if (target->aws_iam) {
    RouteAuth auth = verifier.Verify(request, "lambda");
    if (auth.strict) {
      if (!auth.signed_request) co_return Forbidden();
      if (!auth.ok) co_return FromAwsError(auth.error);
      // No resource-based policies yet: only the function's own account may call it.
      if (auth.account_id != target->account_id) co_return Forbidden();
    }
    ctx.iam = true;
    ctx.caller_account = auth.ok && !auth.account_id.empty() ? auth.account_id : target->account_id;
    ctx.caller_access_key = auth.ok ? auth.access_key_id : "";
  }
  const std::string request_id = NewUuid();
  if (IsPreflight(request, target->cors)) {
    HttpResponse r = PreflightResponse(request, target->cors);
    r.headers.Add("x-amzn-RequestId", request_id);
    co_return r;
  }

  auto resolved = registry_.ResolveInvoke(target->account_id, target->region, target->function_name,
                                          target->qualifier);
  if (!resolved.ok()) co_return FromAwsError(resolved.error());
  CallContext call;
  call.request_id = request_id;
  call.account_id = target->account_id;
  call.region = target->region;
  call.service = "lambda";
  call.operation = "InvokeFunctionUrl";
  call.http = &request;
  InvokeRequest invoke;
  invoke.type = "RequestResponse";
  invoke.target = std::move(*resolved);
  auto executor = co_await boost::asio::this_coro::executor;
  auto inv = MakeInvocation(call, invoke, clock_, executor);
  ctx.request_id = request_id;
  ctx.trace_id = inv->trace_id;
  ctx.epoch_ms = clock_.NowMillis();
  ctx.source_ip = request.remote_address.substr(0, request.remote_address.rfind(':'));
  inv->payload = BuildUrlEvent(request, ctx);
  if (inv->payload.size() > kMaxUrlPayload) {
    co_return UrlError(413, "RequestEntityTooLargeException",
                       "Request must be smaller than " + std::to_string(kMaxUrlPayload) +
                           " bytes for the InvokeFunction operation");
  }

  HttpResponse response;
  if (!target->streaming) {
    auto ran = co_await runner_.Run(inv);
    if (!ran.ok()) co_return FromAwsError(ran.error());
    response = inv->function_error ? UrlError(502, "", "Internal Server Error")
                                   : MapUrlResult(inv->result);
  } else {
    auto channel = std::make_shared<ResponseChannel>(executor);
    inv->stream = channel;
    boost::asio::co_spawn(executor, RunIntoChannel(runner_, inv, channel), boost::asio::detached);
    co_await channel->WaitStarted();
    if (auto early = channel->OutcomeBeforeBytes()) {
      if (early->error) co_return FromAwsError(*early->error);
      response =
          early->error_code.empty() ? MapUrlResult("") : UrlError(502, "", "Internal Server Error");
    } else {
      // Bytes came: the runtime's Content-Type was set before the first (the channel's lock
      // orders the two), or none when the result was buffered.
      const std::string type = inv->stream_content_type;
      std::string head;
      bool ended = false;
      auto read_more = [&]() -> boost::asio::awaitable<void> {
        std::deque<std::string> pieces;
        auto outcome = co_await channel->Next(pieces);
        for (const std::string& p : pieces) head += p;
        if (outcome) ended = true;
      };
      if (type.empty()) {  // buffered: the whole result arrives as one piece, then the end
        while (!ended) co_await read_more();
        response = MapUrlResult(head);
      } else if (type == kHttpIntegrationType) {
        size_t sep = std::string::npos;
        while ((sep = head.find(kPreludeSeparator)) == std::string::npos && !ended) {
          co_await read_more();
        }
        response = MapStreamPrelude(head.substr(0, sep));
        std::string rest =
            sep == std::string::npos ? "" : head.substr(sep + kPreludeSeparator.size());
        response.stream = std::make_shared<UrlStreamBody>(channel, std::move(rest));
      } else {
        response.headers.Add("Content-Type", type);
        response.stream = std::make_shared<UrlStreamBody>(channel, std::string());
      }
    }
  }
  ApplyCors(request, target->cors, response);
  response.headers.Add("x-amzn-RequestId", request_id);
  response.headers.Add("X-Amzn-Trace-Id", inv->trace_id);
  co_return response;
}

}  // namespace nimbus::lambda
