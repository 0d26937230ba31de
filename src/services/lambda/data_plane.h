// Lambda's data plane as the provider sees it: Invoke and the Runtime API, registered next to
// the control plane's operations. Implemented in invoke/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "auth/credential_issuer.h"
#include "core/clock.h"
#include "protocol/listener.h"
#include "protocol/provider.h"
#include "services/kit/late_link.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/image_source.h"
#include "services/logs/api/log_sink.h"
#include "services/sns/api/topic_publisher.h"
#include "services/sqs/api/queue_sender.h"
#include "store/database.h"

namespace nimbus::lambda {

// Function logs go to CloudWatch Logs through the sink it publishes (ServiceLinks::log_sink).
using logs::LogBatch;
using logs::LogLine;
using logs::LogSink;

struct DataPlaneOptions {
  std::string host = "127.0.0.1";        // address the Runtime API listeners bind to
  uint16_t port = 4566;                  // nimbus's main port (AWS_ENDPOINT_URL in functions)
  std::string data_dir;                  // runtimes and sandbox state live under it
  int account_concurrency = 1000;        // --lambda-concurrency
  int idle_seconds = 600;                // --lambda-idle-seconds
  int async_retry_base_seconds = 60;     // first async retry delay (AWS: ~1 min, then ~2 min)
  bool outbound = false;                 // --lambda-outbound: environments reach the world (pasta)
};

// Where asynchronous invocations' destinations and dead-letter targets that are not Lambda
// functions go (ServiceLinks); each null when that service is not built.
struct DestinationLinks {
  std::shared_ptr<sqs::QueueSender> sqs;
  std::shared_ptr<LateLink<sns::TopicPublisher>> sns;  // SNS is built after Lambda
};

// Everything the data plane uses; pointers outlive it.
struct DataPlaneDeps {
  FunctionRegistry* registry = nullptr;
  std::shared_ptr<LogSink> logs;  // may be null (logs dropped)
  ListenerFactory* listeners = nullptr;
  store::Database* db = nullptr;
  const Clock* clock = nullptr;
  std::vector<boost::asio::io_context*> loops;
  DataPlaneOptions options;
  // Container-image functions' roots (ECR's registry); null: they fail to start.
  std::shared_ptr<FunctionImageSource> images;
  // Issues each environment's credentials (AWS_ACCESS_KEY_ID...); null: the account id as the key,
  // which open mode accepts and strict mode refuses.
  auth::CredentialIssuer* credentials = nullptr;
  DestinationLinks destinations;
};

// What a synchronous invocation made inside Lambda (an event source mapping's batch) returned.
struct SyncInvokeOutcome {
  std::string request_id;
  bool function_error = false;  // it failed: an unhandled error, a timeout or a crash
  std::string result;           // its response payload, or the error JSON
};

class DataPlane {
 public:
  virtual ~DataPlane() = default;
  // Registers Invoke (and friends) in the lambda provider's table.
  virtual void RegisterOperations(OperationTable& table) = 0;
  // Registers raw routes, if any.
  virtual void RegisterRoutes(RouteTable& routes) = 0;
  // Stops every execution environment (SIGTERM, then SIGKILL) and background work.
  virtual void Shutdown() = 0;
  // True once every execution environment has exited (after Shutdown).
  virtual bool Stopped() = 0;
  // One line saying which sandbox limits are off on this host ("" when all are on).
  virtual std::string LimitsNote() const = 0;
  // Queues an Event invocation of `target` with `payload`, durably (the Invoke API's
  // InvocationType=Event path, for lambda/api/async_invoker.h).
  virtual Status EnqueueEvent(const ResolvedInvoke& target, const std::string& payload) = 0;
  // Runs `target` with `payload` as a RequestResponse invocation and returns its outcome, or
  // the AwsError of an invocation that could not run (throttled, no environment, stopping).
  // Await it on one of the loops.
  virtual boost::asio::awaitable<Result<SyncInvokeOutcome, AwsError>> InvokeSync(
      const ResolvedInvoke& target, std::string payload) = 0;
};

// Builds the data plane. Fails when the sandbox cannot start at all or its tables can't migrate.
Result<std::unique_ptr<DataPlane>> MakeDataPlane(DataPlaneDeps deps);

}  // namespace nimbus::lambda
