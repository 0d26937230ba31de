#include <boost/asio/steady_timer.hpp>
#include <mutex>

#include "services/kit/arn.h"
#include "services/kit/operations.h"
#include "services/lambda/api/async_invoker.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/data_plane.h"
#include "services/lambda/image_source_ecr.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/mappings/mappings.h"
#include "services/lambda/mappings/sqs_poller.h"

namespace nimbus::lambda {
namespace {

constexpr Operation<LambdaControl> kOperations[] = {
    {"CreateFunction", Member<&LambdaControl::CreateFunction>},
    {"GetFunction", Member<&LambdaControl::GetFunction>},
    {"GetFunctionConfiguration", Member<&LambdaControl::GetFunctionConfiguration>},
    {"ListFunctions", Member<&LambdaControl::ListFunctions>},
    {"UpdateFunctionCode", Member<&LambdaControl::UpdateFunctionCode>},
    {"UpdateFunctionConfiguration", Member<&LambdaControl::UpdateFunctionConfiguration>},
    {"DeleteFunction", Member<&LambdaControl::DeleteFunction>},
    {"PublishVersion", Member<&LambdaControl::PublishVersion>},
    {"ListVersionsByFunction", Member<&LambdaControl::ListVersionsByFunction>},
    {"CreateAlias", Member<&LambdaControl::CreateAlias>},
    {"GetAlias", Member<&LambdaControl::GetAlias>},
    {"UpdateAlias", Member<&LambdaControl::UpdateAlias>},
    {"DeleteAlias", Member<&LambdaControl::DeleteAlias>},
    {"ListAliases", Member<&LambdaControl::ListAliases>},
    {"PutFunctionConcurrency", Member<&LambdaControl::PutFunctionConcurrency>},
    {"GetFunctionConcurrency", Member<&LambdaControl::GetFunctionConcurrency>},
    {"DeleteFunctionConcurrency", Member<&LambdaControl::DeleteFunctionConcurrency>},
    {"GetAccountSettings", Member<&LambdaControl::GetAccountSettings>},
    {"PublishLayerVersion", Member<&LambdaControl::PublishLayerVersion>},
    {"GetLayerVersion", Member<&LambdaControl::GetLayerVersion>},
    {"GetLayerVersionByArn", Member<&LambdaControl::GetLayerVersionByArn>},
    {"ListLayers", Member<&LambdaControl::ListLayers>},
    {"ListLayerVersions", Member<&LambdaControl::ListLayerVersions>},
    {"DeleteLayerVersion", Member<&LambdaControl::DeleteLayerVersion>},
    {"AddLayerVersionPermission", Member<&LambdaControl::AddLayerVersionPermission>},
    {"GetLayerVersionPolicy", Member<&LambdaControl::GetLayerVersionPolicy>},
    {"RemoveLayerVersionPermission", Member<&LambdaControl::RemoveLayerVersionPermission>},
    {"TagResource", Member<&LambdaControl::TagResource>},
    {"UntagResource", Member<&LambdaControl::UntagResource>},
    {"ListTags", Member<&LambdaControl::ListTags>},
    {"PutFunctionEventInvokeConfig", Member<&LambdaControl::PutFunctionEventInvokeConfig>},
    {"UpdateFunctionEventInvokeConfig", Member<&LambdaControl::UpdateFunctionEventInvokeConfig>},
    {"GetFunctionEventInvokeConfig", Member<&LambdaControl::GetFunctionEventInvokeConfig>},
    {"DeleteFunctionEventInvokeConfig", Member<&LambdaControl::DeleteFunctionEventInvokeConfig>},
    {"ListFunctionEventInvokeConfigs", Member<&LambdaControl::ListFunctionEventInvokeConfigs>},
    {"CreateFunctionUrlConfig", Member<&LambdaControl::CreateFunctionUrlConfig>},
    {"GetFunctionUrlConfig", Member<&LambdaControl::GetFunctionUrlConfig>},
    {"UpdateFunctionUrlConfig", Member<&LambdaControl::UpdateFunctionUrlConfig>},
    {"DeleteFunctionUrlConfig", Member<&LambdaControl::DeleteFunctionUrlConfig>},
    {"ListFunctionUrlConfigs", Member<&LambdaControl::ListFunctionUrlConfigs>},
};

// ServiceLinks::lambda_invoker: Event invocations by ARN through the data plane's event queue.
// Detach() (the provider's destructor) makes later calls fail Unavailable.
class LambdaAsyncInvoker : public AsyncInvoker {
 public:
  LambdaAsyncInvoker(FunctionRegistry& registry, DataPlane& plane)
      : registry_(&registry), plane_(&plane) {}
  void Detach() {
    std::lock_guard<std::mutex> lock(mu_);
    registry_ = nullptr;
    plane_ = nullptr;
  }
  Status InvokeAsync(const std::string& function_arn, const std::string& payload) override {
    auto arn = ParseArn(function_arn);
    if (!arn || arn->service != "lambda" || arn->resource.rfind("function:", 0) != 0) {
      return Status::InvalidArgument("not a Lambda function ARN: " + function_arn);
    }
    std::string name = arn->resource.substr(9), qualifier;
    if (size_t colon = name.find(':'); colon != std::string::npos) {
      qualifier = name.substr(colon + 1);
      name.resize(colon);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (plane_ == nullptr) return Status::Unavailable("Lambda is stopping");
    auto target = registry_->ResolveInvoke(arn->scope.account, arn->scope.region, name, qualifier);
    if (!target.ok()) {
      const AwsError& e = target.error();
      if (e.http_status == 404) return Status::NotFound(e.message);
      if (e.code == "ResourceConflictException") return Status::FailedPrecondition(e.message);
      return Status::InvalidArgument(e.message);
    }
    return plane_->EnqueueEvent(*target, payload);
  }

 private:
  std::mutex mu_;
  FunctionRegistry* registry_;
  DataPlane* plane_;
};

class LambdaProvider : public Provider {
 public:
  explicit LambdaProvider(std::unique_ptr<LambdaControl> control) : control_(std::move(control)) {}
  ~LambdaProvider() override {
    if (invoker_) invoker_->Detach();
    if (mappings_) mappings_->Listen(nullptr);
    pollers_.reset();     // before the data plane they invoke
    data_plane_.reset();  // before the registry it uses
  }

  void SetDataPlane(std::unique_ptr<DataPlane> d) { data_plane_ = std::move(d); }
  void SetMappings(std::unique_ptr<EventSourceMappings> m) { mappings_ = std::move(m); }
  // Starts polling the mappings' queues (needs the data plane and SQS's reader): every stored
  // mapping now, and each one created or changed later.
  void StartPollers(std::shared_ptr<sqs::QueueReader> queues,
                    std::vector<boost::asio::io_context*> loops) {
    PollerDeps deps;
    deps.registry = control_.get();
    deps.plane = data_plane_.get();
    deps.queues = std::move(queues);
    deps.loops = std::move(loops);
    pollers_ = std::make_unique<SqsPollers>(std::move(deps));
    SqsPollers* pollers = pollers_.get();
    mappings_->Listen(
        [pollers](const std::string& uuid, const std::optional<EventSourceMapping>& now) {
          pollers->Apply(uuid, now);
        });
  }
  // The link other services invoke through (needs the data plane).
  std::shared_ptr<AsyncInvoker> MakeInvoker() {
    invoker_ = std::make_shared<LambdaAsyncInvoker>(*control_, *data_plane_);
    return invoker_;
  }
  LambdaControl& control() { return *control_; }

  std::string_view service_name() const override { return "lambda"; }
  // CreateFunction/UpdateFunctionCode with a 50 MB zip in base64: AWS refuses larger with
  // "Request must be smaller than 69905067 bytes for the CreateFunction operation".
  uint64_t max_request_body_bytes() const override { return 69905067; }

  void RegisterOperations(OperationTable& table) override {
    AddOperations(table, *control_, kOperations);
    mappings_->RegisterOperations(table);
    if (data_plane_) data_plane_->RegisterOperations(table);
  }

  void RegisterRoutes(RouteTable& routes) override {
    LambdaControl* c = control_.get();
    routes.AddRoute(std::string(LambdaControl::kCodeRoutePrefix),
                    [c](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
                      co_return c->ServeCode(request);
                    });
    if (data_plane_) data_plane_->RegisterRoutes(routes);
  }

  std::string StartupNote() const override {
    return data_plane_ ? "lambda " + data_plane_->LimitsNote() : "";
  }

  bool Stopped() const override { return !data_plane_ || data_plane_->Stopped(); }

  void Shutdown() override {
    if (pollers_) pollers_->Stop();
    if (data_plane_) data_plane_->Shutdown();
  }

 private:
  std::unique_ptr<LambdaControl> control_;
  std::unique_ptr<EventSourceMappings> mappings_;
  std::unique_ptr<DataPlane> data_plane_;
  std::unique_ptr<SqsPollers> pollers_;
  std::shared_ptr<LambdaAsyncInvoker> invoker_;
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  ControlOptions options;
  options.db = ctx.db;
  options.blobs = ctx.blobs;
  options.clock = ctx.clock;
  options.data_dir = ctx.data_dir;
  options.port = ctx.port;
  options.account_concurrency = static_cast<int>(ctx.flags.Int("--lambda-concurrency"));
  if (!ctx.loops.empty()) {
    boost::asio::io_context* loop = ctx.loops.front();
    options.state_delay = std::chrono::milliseconds(ctx.flags.Int("--lambda-state-delay-ms"));
    options.run_after = [loop](std::chrono::milliseconds delay, std::function<void()> fn) {
      auto timer = std::make_shared<boost::asio::steady_timer>(*loop, delay);
      timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
        if (!ec) fn();
      });
    };
  }
  std::shared_ptr<FunctionImageSource> images;
  if (ctx.links.ecr_images && ctx.links.images) {
    // The names nimbus's repositoryUri values use, as ECR's image cache knows them.
    std::string port = std::to_string(ctx.port);
    std::vector<std::string> hosts = {ctx.host + ":" + port, "localhost:" + port};
    if (std::string registry = ctx.flags.Str("--registry-host"); !registry.empty()) {
      hosts.push_back(registry);
    }
    images = MakeEcrImageSource(ctx.links.ecr_images, ctx.links.images, std::move(hosts));
  }
  options.images = images;
  auto control = LambdaControl::Open(std::move(options));
  if (!control.ok()) return control.error();
  auto provider = std::make_unique<LambdaProvider>(std::move(*control));
  MappingDeps mapping_deps;
  mapping_deps.db = ctx.db;
  mapping_deps.clock = ctx.clock;
  mapping_deps.registry = &provider->control();
  mapping_deps.queues = ctx.links.sqs_reader;
  auto mappings = EventSourceMappings::Open(std::move(mapping_deps));
  if (!mappings.ok()) return mappings.error();
  provider->SetMappings(std::move(*mappings));
  if (!ctx.loops.empty() && ctx.listeners != nullptr) {
    DataPlaneDeps d;
    d.registry = &provider->control();
    d.logs = ctx.links.log_sink;
    d.listeners = ctx.listeners;
    d.db = ctx.db;
    d.clock = ctx.clock;
    d.images = images;
    d.credentials = ctx.credentials;
    d.destinations.sqs = ctx.links.sqs_sender;
    d.destinations.sns = ctx.links.sns_publisher;
    d.loops = ctx.loops;
    d.options.host = ctx.host.empty() ? d.options.host : ctx.host;
    d.options.port = ctx.port;
    d.options.data_dir = ctx.data_dir;
    d.options.account_concurrency = static_cast<int>(ctx.flags.Int("--lambda-concurrency"));
    d.options.idle_seconds = static_cast<int>(ctx.flags.Int("--lambda-idle-seconds"));
    d.options.async_retry_base_seconds =
        static_cast<int>(ctx.flags.Int("--lambda-async-retry-seconds"));
    std::string outbound = ctx.flags.Str("--lambda-outbound");
    if (outbound != "on" && outbound != "off") {
      return Status::InvalidArgument("--lambda-outbound must be on or off, not '" + outbound + "'");
    }
    d.options.outbound = outbound == "on";
    auto plane = MakeDataPlane(std::move(d));
    if (!plane.ok()) return plane.error();
    provider->SetDataPlane(std::move(*plane));
    ctx.links.lambda_invoker = provider->MakeInvoker();
    if (ctx.links.sqs_reader) provider->StartPollers(ctx.links.sqs_reader, ctx.loops);
  }
  return std::unique_ptr<Provider>(std::move(provider));
}

}  // namespace

ServiceFactory LambdaService() {
  return {
      "lambda",
      {{"--lambda-concurrency", "N", "account concurrency limit for Lambda (default 1000)", "1000",
        true, 1, 1000000},
       {"--lambda-idle-seconds", "N", "reap idle Lambda environments after N seconds (default 600)",
        "600", true, 1, 86400 * 7},
       {"--lambda-async-retry-seconds", "N",
        "delay before retrying a failed Event invocation; the second\n"
        "retry waits twice as long (default 60, as Lambda's ~1 and ~2 min)",
        "60", true, 0, 3600},
       {"--lambda-outbound", "on|off",
        "let functions reach the outside world, through pasta (Debian\n"
        "package passt), which must be installed; each environment still\n"
        "reaches no other one and no socket of this host's loopback\n"
        "(default off: a function reaches only nimbus)",
        "off"},
       {"--lambda-state-delay-ms", "N",
        "keep a new function State Pending and an updated one\n"
        "LastUpdateStatus InProgress for N ms, refusing what AWS refuses\n"
        "meanwhile (default 0: settled when the write is answered)",
        "0", true, 0, 600000}},
      Create};
}

}  // namespace nimbus::lambda
