#include "protocol/service_endpoint.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>

#include "core/ids.h"
#include "protocol/codec.h"

namespace nimbus {

Result<std::unique_ptr<ServiceEndpoint>> ServiceEndpoint::Create(
    std::unique_ptr<Provider> provider) {
  std::string name(provider->service_name());
  std::unique_ptr<ServiceEndpoint> e(new ServiceEndpoint());
  e->routing_ = FindServiceRouting(name);
  if (e->routing_ == nullptr) {
    return Status::FailedPrecondition("service '" + name +
                                      "': nimbus embeds no model of that name (add it to "
                                      "NIMBUS_MODEL_SERVICES in src/protocol/CMakeLists.txt)");
  }
  for (char c : e->routing_->service_id.empty() ? e->routing_->name : e->routing_->service_id) {
    if (c != ' ') e->label_.push_back(c);
  }
  provider->RegisterOperations(e->operations_);
  const auto& known = e->routing_->operations;
  for (const std::string& op : e->operations_.Names()) {
    if (!std::binary_search(known.begin(), known.end(), std::string_view(op))) {
      return Status::FailedPrecondition("service '" + name + "' registers operation '" + op +
                                        "', which its model does not have");
    }
  }
  e->provider_ = std::move(provider);
  return e;
}

const ServiceModel* ServiceEndpoint::Model() const {
  const ServiceModel* m = model_.load(std::memory_order_acquire);
  if (m == nullptr) {
    m = FindServiceModel(routing_->name);
    model_.store(m, std::memory_order_release);
  }
  return m;
}

Result<const OperationTable::Entry*, AwsError> ServiceEndpoint::Find(
    std::string_view operation) const {
  const OperationTable::Entry* entry = operations_.Find(operation);
  if (entry != nullptr) return entry;
  return AwsError("NotImplemented",
                  "nimbus does not implement " + label_ + "." + std::string(operation) + " yet",
                  501, false);
}

CallContext ServiceEndpoint::NewCall(const HttpRequest& request) const {
  CallContext call;
  call.request_id = NewUuid();
  call.service = std::string(routing_->name);
  call.http = &request;
  call.endpoint = "http://" + std::string(request.headers.Get("Host"));
  return call;
}

boost::asio::awaitable<OpResult> ServiceEndpoint::Execute(const CallContext& call,
                                                          Value input) const {
  auto entry = Find(call.operation);
  if (!entry.ok()) co_return entry.error();
  if ((*entry)->sync) co_return (*entry)->sync(call, input);
  co_return co_await (*entry)->async(call, std::move(input));
}

HttpResponse ServiceEndpoint::ModelUnavailable() const {
  HttpResponse r;
  r.status = 500;
  r.body = R"({"__type":"InternalFailure","message":"nimbus cannot load the )" + label_ +
           R"( service model"})";
  r.headers.Add("Content-Type", "application/json");
  r.headers.Add("x-amzn-ErrorType", "InternalFailure");
  return r;
}

HttpResponse ServiceEndpoint::Reject(const HttpRequest& request, const AwsError& error) const {
  const ServiceModel* model = Model();
  if (model == nullptr) return ModelUnavailable();
  HttpResponse response;
  CodecFor(*model, request).EncodeError(*model, error, NewCall(request), response);
  response.operation = label_;
  return response;
}

boost::asio::awaitable<HttpResponse> ServiceEndpoint::Dispatch(HttpRequest& request,
                                                               CallerIdentity caller) const {
  const ServiceModel* model = Model();
  if (model == nullptr) co_return ModelUnavailable();
  const ProtocolCodec& codec = CodecFor(*model, request);
  CallContext call = NewCall(request);
  call.account_id = std::move(caller.account_id);
  call.access_key_id = std::move(caller.access_key_id);
  call.region = caller.region.empty() ? "us-east-1" : std::move(caller.region);
  HttpResponse response;
  auto decoded = codec.Decode(*model, request);
  if (!decoded.ok()) {
    codec.EncodeError(*model, decoded.error(), call, response);
    response.operation = label_;
    co_return response;
  }
  const OperationModel& op = *decoded->operation;
  call.operation = op.name();
  response.operation = label_ + "." + op.name();
  // Sync handlers run inline (no coroutine frame on the hot path). Not a conditional
  // expression: GCC 12 miscompiles co_await inside ?: (double destruction).
  std::optional<OpResult> result;
  auto entry = Find(op.name());
  if (!entry.ok()) {
    result.emplace(entry.error());
  } else if ((*entry)->sync) {
    result.emplace((*entry)->sync(call, decoded->input));
  } else {
    result.emplace(co_await (*entry)->async(call, std::move(decoded->input)));
  }
  if (result->ok()) {
    codec.EncodeResult(*model, op, **result, call, response);
    if (call.response_stream) {
      response.stream = std::move(call.response_stream);
      response.body.clear();
    }
  } else {
    codec.EncodeError(*model, result->error(), call, response);
  }
  co_return response;
}

namespace {

// Runs `task` to completion on a private event loop and returns its result.
template <class T>
T RunNow(boost::asio::awaitable<T> task) {
  boost::asio::io_context loop;
  std::optional<T> out;
  boost::asio::co_spawn(
      loop, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  loop.run();
  return std::move(*out);
}

}  // namespace

HttpResponse ServiceEndpoint::DispatchNow(HttpRequest& request,
                                          const CallerIdentity& caller) const {
  return RunNow(Dispatch(request, caller));
}

OpResult ServiceEndpoint::ExecuteNow(const CallContext& call, Value input) const {
  return RunNow(Execute(call, std::move(input)));
}

}  // namespace nimbus
