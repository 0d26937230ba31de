// libFuzzer target: the whole CloudWatch Logs API in process — the JSON codec decodes a request
// (layout as in protocol_fuzz_common.h, e.g. "POST /\nX-Amz-Target:
// Logs_20140328.PutLogEvents\n\n{...}"), the operation the provider would run runs over an
// in-memory database, the codec encodes its answer. State carries over between inputs, so later
// ones meet groups, streams and events that earlier ones made. Must never crash, hang or throw.
// (The provider itself is not linked: it brings Boost.Asio's coroutines, which this clang's
// build does not enable.)
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "protocol_fuzz_common.h"
#include "services/logs/log_store.h"
#include "services/logs/ops.h"
#include "store/database.h"

namespace {

struct Service {
  nimbus::FakeClock clock{
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000))};
  std::unique_ptr<nimbus::store::Database> db;
  std::shared_ptr<nimbus::logs::LogStore> store;
  std::unordered_map<std::string, nimbus::logs::ops::Op> ops;
};

Service& TheService() {
  static Service* s = [] {
    auto* service = new Service;
    auto db = nimbus::store::Database::OpenFile(":memory:");
    if (!db.ok()) __builtin_trap();
    service->db = std::move(*db);
    auto store = nimbus::logs::MakeLogStore(*service->db, service->clock);
    if (!store.ok()) __builtin_trap();
    service->store = *store;
    for (const auto& [name, op] : nimbus::logs::ops::AllOps()) service->ops[name] = op;
    return service;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Service& service = TheService();
  const nimbus::ServiceModel* model = nimbus::FindServiceModel("logs");
  if (model == nullptr) __builtin_trap();
  nimbus::HttpRequest request =
      nimbus::fuzz::ParseFuzzRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  const nimbus::ProtocolCodec& codec = nimbus::CodecFor(*model);
  nimbus::CallContext call;
  call.request_id = "fuzz";
  call.account_id = "000000000000";
  call.region = "us-east-1";
  call.service = "logs";
  call.http = &request;
  nimbus::HttpResponse response;
  auto decoded = codec.Decode(*model, request);
  if (!decoded.ok()) return 0;
  auto op = service.ops.find(decoded->operation->name());
  if (op == service.ops.end()) return 0;
  call.operation = decoded->operation->name();
  auto result = op->second(*service.store, call, decoded->input);
  if (result.ok()) {
    codec.EncodeResult(*model, *decoded->operation, *result, call, response);
  } else {
    codec.EncodeError(*model, result.error(), call, response);
  }
  service.clock.Advance(std::chrono::milliseconds(1));
  return 0;
}
