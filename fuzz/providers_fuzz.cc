// libFuzzer target: whole AWS-protocol services in process, as the gateway runs them after
// authentication. Byte 0 picks the service (CloudWatch Logs, ECR's API, STS); the rest is a
// request in protocol_fuzz_common.h's layout, e.g. "POST /\nX-Amz-Target:
// AmazonEC2ContainerRegistry_V20150921.CreateRepository\n\n{...}". The service's codec decodes
// it, the provider's handler runs over an in-memory database (ECR's blobs in a temporary
// directory), the codec encodes the answer. State carries over between inputs, so later ones
// meet the repositories, groups and events that earlier ones made. Must never crash or throw.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "protocol_fuzz_common.h"
#include "services/ecr/ecr_provider.h"
#include "services/logs/logs_provider.h"
#include "services/sts/sts_provider.h"
#include "store/database.h"

namespace {

struct Service {
  const char* model;
  std::unique_ptr<nimbus::Provider> provider;
  nimbus::OperationTable table;
};

struct World {
  nimbus::FakeClock clock{
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000))};
  std::unique_ptr<nimbus::store::Database> db;
  Service services[3];
};

World& TheWorld() {
  static World* world = [] {
    auto* w = new World;
    auto db = nimbus::store::Database::OpenFile(":memory:");
    if (!db.ok()) __builtin_trap();
    w->db = std::move(*db);
    auto logs = nimbus::logs::MakeLogStore(*w->db, w->clock);
    if (!logs.ok()) __builtin_trap();
    static char dir[] = "/tmp/nimbus-fuzz-ecr-XXXXXX";
    if (::mkdtemp(dir) == nullptr) __builtin_trap();
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    });
    auto ecr = nimbus::ecr::MakeEcrProvider({w->db.get(), dir, &w->clock, "localhost:4566"});
    if (!ecr.ok()) __builtin_trap();
    w->services[0] = {"logs", nimbus::logs::MakeLogsProvider(*logs), {}};
    w->services[1] = {"ecr", std::move(*ecr), {}};
    w->services[2] = {"sts", nimbus::MakeStsProvider(), {}};
    for (Service& s : w->services) s.provider->RegisterOperations(s.table);
    return w;
  }();
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& world = TheWorld();
  Service& service = world.services[data[0] % std::size(world.services)];
  const nimbus::ServiceModel* model = nimbus::FindServiceModel(service.model);
  if (model == nullptr) __builtin_trap();
  nimbus::HttpRequest request = nimbus::fuzz::ParseFuzzRequest(
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  const nimbus::ProtocolCodec& codec = nimbus::CodecFor(*model);
  nimbus::CallContext call;
  call.request_id = "fuzz";
  call.account_id = "000000000000";
  call.region = "us-east-1";
  call.service = service.model;
  call.endpoint = "http://localhost:4566";
  call.http = &request;
  nimbus::HttpResponse response;
  auto decoded = codec.Decode(*model, request);
  if (!decoded.ok()) return 0;
  const nimbus::OperationTable::Entry* op = service.table.Find(decoded->operation->name());
  if (op == nullptr || !op->sync) return 0;  // not implemented, or waits (none of these)
  call.operation = decoded->operation->name();
  auto result = op->sync(call, decoded->input);
  if (result.ok()) {
    codec.EncodeResult(*model, *decoded->operation, *result, call, response);
  } else {
    codec.EncodeError(*model, result.error(), call, response);
  }
  world.clock.Advance(std::chrono::milliseconds(1));
  return 0;
}
