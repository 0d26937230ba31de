// libFuzzer target: every service of the service table (services/registry/registry.h) in
// process, through ServiceEndpoint's dispatch path as the gateway runs it after authentication.
// Byte 0 picks the service (table order: STS, CloudWatch Logs, ECR's API, Lambda's control
// plane); the rest is a request in protocol_fuzz_common.h's layout, e.g. "POST /\nX-Amz-Target:
// AmazonEC2ContainerRegistry_V20150921.CreateRepository\n\n{...}". The services run over an
// in-memory database, their files in a temporary directory, without event loops (so Lambda
// serves its control plane only). State carries over between inputs, so later ones meet the
// repositories, groups and functions that earlier ones made. Must never crash or throw.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "protocol_fuzz_common.h"
#include "services/registry/registry.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace {

struct World {
  nimbus::FakeClock clock{
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000))};
  std::unique_ptr<nimbus::store::Database> db;
  std::unique_ptr<nimbus::store::BlobStore> blobs;
  std::vector<std::unique_ptr<nimbus::ServiceEndpoint>> services;
};

World& TheWorld() {
  static World* world = [] {
    auto* w = new World;
    auto db = nimbus::store::Database::OpenFile(":memory:");
    if (!db.ok()) __builtin_trap();
    w->db = std::move(*db);
    static char dir[] = "/tmp/nimbus-fuzz-services-XXXXXX";
    if (::mkdtemp(dir) == nullptr) __builtin_trap();
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    });
    auto blobs = nimbus::store::BlobStore::Open(dir);
    if (!blobs.ok()) __builtin_trap();
    w->blobs = std::move(*blobs);
    nimbus::ServiceContext ctx;
    ctx.db = w->db.get();
    ctx.blobs = w->blobs.get();
    ctx.clock = &w->clock;
    ctx.data_dir = dir;
    ctx.host = "localhost";
    ctx.port = 4566;
    auto services = nimbus::BuildServices(nimbus::AllServices(), ctx);
    if (!services.ok()) __builtin_trap();
    w->services = std::move(*services);
    return w;
  }();
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& world = TheWorld();
  const nimbus::ServiceEndpoint& service = *world.services[data[0] % world.services.size()];
  nimbus::HttpRequest request = nimbus::fuzz::ParseFuzzRequest(
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  if (!request.headers.Has("Host")) request.headers.Add("Host", "localhost:4566");
  (void)service.DispatchNow(request, {"000000000000", "AKIDFUZZ", "us-east-1"});
  world.clock.Advance(std::chrono::milliseconds(1));
  return 0;
}
