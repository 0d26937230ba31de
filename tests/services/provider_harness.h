// ProviderHarness: services of the service table (services/registry/registry.h) built in
// process over a fresh database and data directory with a fake clock, called through the same
// path the gateway takes (ServiceEndpoint::Execute / Dispatch), without a server. No event
// loops or listeners: services serve what needs no background work (Lambda: its control plane).
//
//   testing::ProviderHarness h({"logs"});
//   OpResult out = h.Call("logs", "CreateLogGroup", {{"logGroupName", "g"}});
//
// Not thread-safe; one per test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "services/registry/registry.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/temp_dir.h"

namespace nimbus::testing {

class ProviderHarness {
 public:
  static constexpr int64_t kStartMillis = 1'700'000'000'000;
  using Flags = std::vector<std::pair<std::string, std::string>>;

  // Builds the services of the table named in `names` (in table order), after giving the flags
  // in `flags` ({"--name", "value"}) their values. A failure is a test failure and ok() false.
  explicit ProviderHarness(std::vector<std::string_view> names, const Flags& flags = {}) {
    Build(names, flags);
  }

  bool ok() const { return ok_; }
  FakeClock& clock() { return clock_; }
  // What the services published (e.g. links().log_sink).
  ServiceLinks& links() { return ctx_.links; }
  const std::string& data_dir() const { return dir_.path(); }

  // Runs `operation` of `service` over decoded `input` as `account` in `region`.
  OpResult Call(std::string_view service, std::string_view operation, Value input,
                std::string account = "000000000000", std::string region = "us-east-1") {
    const ServiceEndpoint* s = Find(service);
    if (s == nullptr) return AwsError("NoSuchService", std::string(service));
    CallContext call;
    call.request_id = "harness";
    call.account_id = std::move(account);
    call.region = std::move(region);
    call.service = std::string(service);
    call.operation = std::string(operation);
    call.endpoint = "http://127.0.0.1:4566";
    return s->ExecuteNow(call, std::move(input));
  }

  // Sends a whole HTTP request to `service` (decoded and encoded by its codec).
  HttpResponse Send(std::string_view service, HttpRequest request,
                    const CallerIdentity& caller = {"000000000000", "AKIDHARNESS", "us-east-1"}) {
    const ServiceEndpoint* s = Find(service);
    if (s == nullptr) return HttpResponse{};
    if (!request.headers.Has("Host")) request.headers.Add("Host", "127.0.0.1:4566");
    return s->DispatchNow(request, caller);
  }

 private:
  void Build(const std::vector<std::string_view>& names, const Flags& flags) {
    auto db = store::Database::Open(dir_.path());
    if (!db.ok()) return Fail("database: " + db.error().ToString());
    db_ = std::move(*db);
    auto blobs = store::BlobStore::Open(dir_.path());
    if (!blobs.ok()) return Fail("blobs: " + blobs.error().ToString());
    blobs_ = std::move(*blobs);
    std::vector<ServiceFactory> chosen;
    for (const ServiceFactory& f : AllServices()) {
      for (std::string_view n : names) {
        if (f.name == n) chosen.push_back(f);
      }
    }
    if (chosen.size() != names.size()) return Fail("a named service is not in the table");
    ctx_.db = db_.get();
    ctx_.blobs = blobs_.get();
    ctx_.clock = &clock_;
    ctx_.data_dir = dir_.path();
    ctx_.host = "127.0.0.1";
    ctx_.port = 4566;
    std::vector<FlagSpec> specs = FlagsOf(chosen);
    for (const auto& [name, value] : flags) {
      auto spec = std::find_if(specs.begin(), specs.end(),
                               [&](const FlagSpec& s) { return s.name == name; });
      if (spec == specs.end()) return Fail("no service built declares flag " + name);
      Status st = ctx_.flags.Set(*spec, value);
      if (!st.ok()) return Fail(st.ToString());
    }
    auto built = BuildServices(chosen, ctx_);
    if (!built.ok()) return Fail(built.error().ToString());
    services_ = std::move(*built);
  }

  void Fail(const std::string& why) {
    ok_ = false;
    ADD_FAILURE() << "ProviderHarness: " << why;
  }

  const ServiceEndpoint* Find(std::string_view service) const {
    for (const auto& s : services_) {
      if (s->routing().name == service) return s.get();
    }
    ADD_FAILURE() << "ProviderHarness: service " << service << " was not built";
    return nullptr;
  }

  store::testing::TempDir dir_;
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::milliseconds(kStartMillis))};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  ServiceContext ctx_;  // after what it points to: destroyed first
  std::vector<std::unique_ptr<ServiceEndpoint>> services_;
  bool ok_ = true;
};

}  // namespace nimbus::testing
