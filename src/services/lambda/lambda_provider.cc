#include "services/lambda/lambda_provider.h"

#include <boost/asio/post.hpp>

#include "services/lambda/control/control_plane.h"

namespace nimbus::lambda {
namespace {

using Method = OpResult (LambdaControl::*)(const CallContext&, const Value&);

struct Operation {
  const char* name;
  Method method;
};

constexpr Operation kOperations[] = {
    {"CreateFunction", &LambdaControl::CreateFunction},
    {"GetFunction", &LambdaControl::GetFunction},
    {"GetFunctionConfiguration", &LambdaControl::GetFunctionConfiguration},
    {"ListFunctions", &LambdaControl::ListFunctions},
    {"UpdateFunctionCode", &LambdaControl::UpdateFunctionCode},
    {"UpdateFunctionConfiguration", &LambdaControl::UpdateFunctionConfiguration},
    {"DeleteFunction", &LambdaControl::DeleteFunction},
    {"PublishVersion", &LambdaControl::PublishVersion},
    {"ListVersionsByFunction", &LambdaControl::ListVersionsByFunction},
    {"CreateAlias", &LambdaControl::CreateAlias},
    {"GetAlias", &LambdaControl::GetAlias},
    {"UpdateAlias", &LambdaControl::UpdateAlias},
    {"DeleteAlias", &LambdaControl::DeleteAlias},
    {"ListAliases", &LambdaControl::ListAliases},
    {"PutFunctionConcurrency", &LambdaControl::PutFunctionConcurrency},
    {"GetFunctionConcurrency", &LambdaControl::GetFunctionConcurrency},
    {"DeleteFunctionConcurrency", &LambdaControl::DeleteFunctionConcurrency},
    {"GetAccountSettings", &LambdaControl::GetAccountSettings},
    {"PublishLayerVersion", &LambdaControl::PublishLayerVersion},
    {"GetLayerVersion", &LambdaControl::GetLayerVersion},
    {"GetLayerVersionByArn", &LambdaControl::GetLayerVersionByArn},
    {"ListLayers", &LambdaControl::ListLayers},
    {"ListLayerVersions", &LambdaControl::ListLayerVersions},
    {"DeleteLayerVersion", &LambdaControl::DeleteLayerVersion},
    {"TagResource", &LambdaControl::TagResource},
    {"UntagResource", &LambdaControl::UntagResource},
    {"ListTags", &LambdaControl::ListTags},
    {"PutFunctionEventInvokeConfig", &LambdaControl::PutFunctionEventInvokeConfig},
    {"UpdateFunctionEventInvokeConfig", &LambdaControl::UpdateFunctionEventInvokeConfig},
    {"GetFunctionEventInvokeConfig", &LambdaControl::GetFunctionEventInvokeConfig},
    {"DeleteFunctionEventInvokeConfig", &LambdaControl::DeleteFunctionEventInvokeConfig},
    {"ListFunctionEventInvokeConfigs", &LambdaControl::ListFunctionEventInvokeConfigs},
};

class LambdaProvider : public Provider {
 public:
  explicit LambdaProvider(std::unique_ptr<LambdaControl> control) : control_(std::move(control)) {}
  ~LambdaProvider() override { data_plane_.reset(); }  // before the registry it uses

  void SetDataPlane(std::unique_ptr<DataPlane> d) { data_plane_ = std::move(d); }
  LambdaControl& control() { return *control_; }

  std::string_view service_name() const override { return "lambda"; }

  void RegisterOperations(OperationTable& table) override {
    LambdaControl* c = control_.get();
    for (const Operation& op : kOperations) {
      Method m = op.method;
      table.Add(op.name, [c, m](const CallContext& call, const Value& in) -> OpResult {
        return (c->*m)(call, in);
      });
    }
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
    if (data_plane_) data_plane_->Shutdown();
  }

 private:
  std::unique_ptr<LambdaControl> control_;
  std::unique_ptr<DataPlane> data_plane_;
};

}  // namespace

Result<std::unique_ptr<Provider>> MakeLambdaProvider(const ServiceDeps& deps,
                                                     std::shared_ptr<LogSink> logs,
                                                     DataPlaneFactory data_plane) {
  ControlOptions options;
  options.db = deps.db;
  options.blobs = deps.blobs;
  options.clock = deps.clock;
  options.data_dir = deps.data_dir;
  options.account_concurrency = deps.lambda_concurrency;
  if (!deps.loops.empty()) {
    boost::asio::io_context* loop = deps.loops.front();
    options.post = [loop](std::function<void()> fn) { boost::asio::post(*loop, std::move(fn)); };
  }
  auto control = LambdaControl::Open(std::move(options));
  if (!control.ok()) return control.error();
  auto provider = std::make_unique<LambdaProvider>(std::move(*control));
  if (data_plane) {
    DataPlaneDeps d;
    d.registry = &provider->control();
    d.logs = std::move(logs);
    d.listeners = deps.listeners;
    d.db = deps.db;
    d.clock = deps.clock;
    d.loops = deps.loops;
    d.options.host = deps.host.empty() ? d.options.host : deps.host;
    d.options.port = deps.port;
    d.options.data_dir = deps.data_dir;
    d.options.account_concurrency = deps.lambda_concurrency;
    d.options.idle_seconds = deps.lambda_idle_seconds;
    d.options.async_retry_base_seconds = deps.lambda_async_retry_seconds;
    auto plane = data_plane(std::move(d));
    if (!plane.ok()) return plane.error();
    provider->SetDataPlane(std::move(*plane));
  }
  return std::unique_ptr<Provider>(std::move(provider));
}

}  // namespace nimbus::lambda
