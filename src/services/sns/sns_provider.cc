#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include "services/kit/operations.h"
#include "services/sns/cert_server.h"
#include "services/sns/ops.h"
#include "services/sns/sns_service.h"
#include "services/sns/topic_publisher.h"
#include "store/fs.h"

namespace nimbus::sns {
namespace {

// Operations of the model not listed here (SMS, platform applications, data protection
// policies, permissions) answer 501 naming them.
constexpr Operation<SnsState> kOperations[] = {
    {"CreateTopic", ops::CreateTopic},
    {"DeleteTopic", ops::DeleteTopic},
    {"ListTopics", ops::ListTopics},
    {"GetTopicAttributes", ops::GetTopicAttributes},
    {"SetTopicAttributes", ops::SetTopicAttributes},
    {"TagResource", ops::TagResource},
    {"UntagResource", ops::UntagResource},
    {"ListTagsForResource", ops::ListTagsForResource},
    {"Subscribe", ops::Subscribe},
    {"ConfirmSubscription", ops::ConfirmSubscription},
    {"Unsubscribe", ops::Unsubscribe},
    {"ListSubscriptions", ops::ListSubscriptions},
    {"ListSubscriptionsByTopic", ops::ListSubscriptionsByTopic},
    {"GetSubscriptionAttributes", ops::GetSubscriptionAttributes},
    {"SetSubscriptionAttributes", ops::SetSubscriptionAttributes},
    {"Publish", ops::Publish},
    {"PublishBatch", ops::PublishBatch},
};

class SnsProvider : public Provider {
 public:
  SnsProvider(std::shared_ptr<SnsState> state,
              std::shared_ptr<LateLink<TopicPublisher>> publisher_link)
      : state_(std::move(state)), publisher_link_(std::move(publisher_link)) {}
  ~SnsProvider() override {
    if (publisher_link_) publisher_link_->Set(nullptr);  // later publishes find no SNS
    StopThread();
  }

  std::string_view service_name() const override { return "sns"; }
  void RegisterOperations(OperationTable& table) override {
    AddOperations(table, *state_, kOperations);
  }
  void RegisterRoutes(RouteTable& routes) override {
    // The certificate SigningCertURL names (AWS serves it at the same kind of path).
    std::shared_ptr<SnsState> s = state_;
    routes.AddRoute("/" + s->signer->certificate_name(),
                    [s](HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
                      HttpResponse r;
                      r.headers.Add("Content-Type", "application/x-x509-ca-cert");
                      r.body = s->signer->certificate_pem();
                      co_return r;
                    });
  }
  std::string StartupNote() const override {
    std::string note = "sns email deliveries append to " + state_->deliveries->mailbox_path();
    if (https_) {
      note += "; SigningCertURL served over https on port " + std::to_string(https_->port()) +
              " (trust " + ca_path_ + ")";
    }
    return note;
  }
  const std::string& ca_path() const { return ca_path_; }
  void Shutdown() override { state_->deliveries->Stop(); }
  bool Stopped() const override { return !thread_.joinable() || state_->deliveries->Stopped(); }

  // Serves SigningCertURL over https (nimbus's local CA under <data_dir>/sns/tls) on the
  // deliveries' loop; returns "https://localhost:<port>".
  Result<std::string> StartHttps(const std::string& dir, const std::string& host, uint16_t port) {
    auto tls = LocalTls::Open(dir);
    if (!tls.ok()) return tls.error();
    const Signer* signer = state_->signer.get();
    auto server = CertServer::Start(loop_, host, port, *tls, "/" + signer->certificate_name(),
                                    [signer] { return signer->certificate_pem(); });
    if (!server.ok()) return server.error();
    https_ = std::move(*server);
    ca_path_ = tls->ca_path;
    return "https://localhost:" + std::to_string(https_->port());
  }

  // Runs the deliveries on a loop and thread of their own (they sign and write to SQLite).
  void StartDeliveries() {
    work_.emplace(loop_.get_executor());
    state_->deliveries->Start(loop_);
    thread_ = std::thread([this] { loop_.run(); });
  }

 private:
  void StopThread() {
    if (!thread_.joinable()) return;
    state_->deliveries->Stop();
    for (int i = 0; i < 300 && !state_->deliveries->Stopped(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (https_) https_->Stop();
    work_.reset();
    loop_.stop();
    thread_.join();
  }

  std::shared_ptr<SnsState> state_;
  std::shared_ptr<LateLink<TopicPublisher>> publisher_link_;  // ServiceLinks::sns_publisher
  boost::asio::io_context loop_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::unique_ptr<CertServer> https_;
  std::string ca_path_;
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  auto state = std::make_shared<SnsState>(*ctx.db);
  state->clock = ctx.clock;
  if (Status st = state->store.Init(); !st.ok()) return st;
  auto queue = store::WorkQueue::Open(*ctx.db);
  if (!queue.ok()) return queue.error();
  state->queue = std::move(*queue);
  std::string dir = ctx.data_dir + "/sns";
  auto signer = Signer::Open(dir);
  if (!signer.ok()) return signer.error();
  state->signer = std::move(*signer);
  DeliveryOptions options;
  options.time_divisor = static_cast<int>(ctx.flags.Int("--sns-time-divisor", 1));
  options.mailbox_path = dir + "/mailbox";
  state->sqs_available = ctx.links.sqs_sender != nullptr;
  state->lambda_available = ctx.links.lambda_invoker != nullptr;
  state->deliveries = std::make_unique<Deliveries>(state->store, *state->queue, *state->signer,
                                                   *ctx.clock, ctx.links.sqs_sender, options);
  state->deliveries->SetLambdaInvoker(ctx.links.lambda_invoker);
  auto provider = std::make_unique<SnsProvider>(state, ctx.links.sns_publisher);
  if (ctx.links.sns_publisher) {
    ctx.links.sns_publisher->Set(MakeTopicPublisher(
        state, "http://" + (ctx.host.empty() ? std::string("localhost") : ctx.host) + ":" +
                   std::to_string(ctx.port)));
  }
  if (!ctx.loops.empty()) {
    auto https = provider->StartHttps(dir + "/tls", ctx.host,
                                      static_cast<uint16_t>(ctx.flags.Int("--sns-https-port")));
    if (!https.ok()) return https.error();
    state->deliveries->SetCertBaseUrl(*https);
    state->deliveries->SetExtraCaFile(provider->ca_path());
    provider->StartDeliveries();
  }
  return std::unique_ptr<Provider>(std::move(provider));
}

}  // namespace

Result<std::string> LocalCaPath(const std::string& data_dir) {
  auto tls = LocalTls::Open(data_dir + "/sns/tls");
  if (!tls.ok()) return tls.error();
  return tls->ca_path;
}

ServiceFactory SnsService() {
  return {"sns",
          {{"--sns-time-divisor", "N",
            "divide every SNS delivery retry delay by N (tests of delivery policies; default 1)",
            "1", /*integer=*/true, /*min=*/1, /*max=*/100000},
           {"--sns-https-port", "N",
            "port of the https listener serving SigningCertURL (nimbus's local CA under\n"
            "<data-dir>/sns/tls/ca.pem); 0 picks a free port (default)",
            "0", /*integer=*/true, /*min=*/0, /*max=*/65535}},
          Create};
}

}  // namespace nimbus::sns
