// One served AWS service: its provider, the operations the provider registered, its embedded
// model and codec, and the one dispatch path every caller takes (the gateway, the fuzzers and
// the in-process test harness): decode the request, run the operation, encode the answer.
// Immutable after Create; Dispatch and Execute run concurrently on any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/aws_error.h"
#include "core/http.h"
#include "protocol/model.h"
#include "protocol/provider.h"  // (and boost awaitable.hpp, after <utility>)
#include "protocol/service_routing.h"

namespace nimbus {

// Who signed a request, as far as dispatch needs to know.
struct CallerIdentity {
  std::string account_id;
  std::string access_key_id;
  std::string region;  // "" = us-east-1
};

class ServiceEndpoint {
 public:
  // Takes the provider, lets it register its operations and checks them. Fails (naming the
  // service) when nimbus embeds no model named provider->service_name(), or when the provider
  // registers an operation that model does not have: a typo must stop start-up, not answer 501.
  static Result<std::unique_ptr<ServiceEndpoint>> Create(std::unique_ptr<Provider> provider);

  // The embedded routing index (static storage).
  const ServiceRouting& routing() const { return *routing_; }
  // Service id without spaces, e.g. "CloudWatchLogs" (the access log's operation prefix).
  const std::string& label() const { return label_; }
  Provider& provider() const { return *provider_; }
  // The embedded model, parsed by the first call that needs it (thread-safe, once); nullptr only
  // if the embedded model does not parse.
  const ServiceModel* Model() const;

  // Decodes `request` with the service's codec, runs the operation as `caller` and encodes its
  // output or AWS error. Never throws. `request` must outlive the returned awaitable; `caller`
  // is taken by value so the caller need not keep it.
  boost::asio::awaitable<HttpResponse> Dispatch(HttpRequest& request, CallerIdentity caller) const;
  // The operation step of Dispatch for an input already decoded: runs call.operation's handler.
  // 501 NotImplemented naming Service.Operation when none is registered (the error an unknown
  // operation gets too, since Create checked every registered name against the model).
  boost::asio::awaitable<OpResult> Execute(const CallContext& call, Value input) const;
  // Dispatch and Execute run to completion on a private event loop, for in-process callers
  // that have none (the fuzzers, tests/services/provider_harness.h). Not for a server's loop:
  // they block. An exception escaping the operation propagates (it is a bug).
  HttpResponse DispatchNow(HttpRequest& request, const CallerIdentity& caller) const;
  OpResult ExecuteNow(const CallContext& call, Value input) const;
  // `error` (e.g. a failed authentication) encoded in the service's protocol.
  HttpResponse Reject(const HttpRequest& request, const AwsError& error) const;

 private:
  ServiceEndpoint() = default;
  // The handler of `operation`, else the NotImplemented error Execute and Dispatch answer.
  Result<const OperationTable::Entry*, AwsError> Find(std::string_view operation) const;
  // The 500 answered when the embedded model does not parse.
  HttpResponse ModelUnavailable() const;
  // A CallContext for `request` without identity or operation.
  CallContext NewCall(const HttpRequest& request) const;

  const ServiceRouting* routing_ = nullptr;
  std::unique_ptr<Provider> provider_;
  OperationTable operations_;
  std::string label_;
  mutable std::atomic<const ServiceModel*> model_{nullptr};
};

}  // namespace nimbus
