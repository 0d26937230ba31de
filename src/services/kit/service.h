// The recipe every AWS service follows (docs/adding-a-service.md): one ServiceFactory (its model
// name, its command-line flags, and a create function over one ServiceContext of shared
// dependencies), listed in the one table in services/registry/registry.cc that nimbus serve,
// the fuzzers and the tests iterate. Services reach each other only through the small
// interfaces in ServiceLinks, each published by one service in its own api/ header.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credential_issuer.h"
#include "core/clock.h"
#include "core/flags.h"
#include "protocol/listener.h"
#include "protocol/provider.h"
#include "protocol/service_endpoint.h"
#include "services/kit/late_link.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace nimbus {

namespace logs {
class LogSink;
}
namespace sqs {
class QueueSender;
class QueueReader;
}
namespace lambda {
class AsyncInvoker;
}
namespace sns {
class TopicPublisher;
}
namespace ecr {
class ImageReader;
}
namespace image {
class ImageCache;
}
namespace ecs {
class ExecSessionControl;
}

// What services publish for each other, filled in table order while the services are built
// (a service may use only what one listed before it published, except through a LateLink, read
// at use: see kit/late_link.h). Each interface lives in its publisher's api/ header. Null when
// the publisher is not built (a harness building one service).
struct ServiceLinks {
  // CloudWatch Logs (logs/api/log_sink.h): where Lambda (and later ECS) ship their output.
  std::shared_ptr<logs::LogSink> log_sink;
  // SQS (sqs/api/queue_sender.h): send a message to a queue by ARN (SNS, Lambda destinations).
  std::shared_ptr<sqs::QueueSender> sqs_sender;
  // SQS (sqs/api/queue_reader.h): receive, delete and hide a queue's messages by ARN (Lambda's
  // event source mappings).
  std::shared_ptr<sqs::QueueReader> sqs_reader;
  // Lambda (lambda/api/async_invoker.h): Event invocations by function ARN (SNS). Null without
  // a data plane (an in-process harness).
  std::shared_ptr<lambda::AsyncInvoker> lambda_invoker;
  // SNS (sns/api/topic_publisher.h): publish to a topic by ARN (Lambda's destinations and
  // dead-letter topics). A LateLink, there from the start and set when SNS is built: SNS comes
  // after Lambda, whose invoker it uses, so Lambda reads it at each use.
  std::shared_ptr<LateLink<sns::TopicPublisher>> sns_publisher =
      std::make_shared<LateLink<sns::TopicPublisher>>();
  // ECR (ecr/api/image_reader.h): read access to the images of nimbus's registry.
  std::shared_ptr<ecr::ImageReader> ecr_images;
  // ECR builds it over ecr_images (image/image_cache.h): images (nimbus's or another
  // registry's) resolved and unpacked into sandbox root file systems, for ECS and Lambda.
  std::shared_ptr<image::ImageCache> images;
  // ECS (ecs/api/exec_sessions.h): ECS Exec sessions, for SSM's Session Manager operations.
  std::shared_ptr<ecs::ExecSessionControl> ecs_exec;
};

// Everything a service's create function may use. Owned by main (or a harness); what it points
// to outlives every provider. Providers are created after the server has bound its port.
struct ServiceContext {
  store::Database* db = nullptr;      // required; thread-safe
  store::BlobStore* blobs = nullptr;  // thread-safe; shared content-addressed blobs
  const Clock* clock = nullptr;       // required
  std::string data_dir;               // a service may keep files under <data_dir>/<service>/
  std::string host;                   // address served, e.g. "127.0.0.1"
  uint16_t port = 0;                  // port served
  bool strict_auth = false;           // --credentials: every request must be authenticated
  // Temporary credentials for what nimbus runs (Lambda environments, ECS tasks): accepted in
  // strict mode until they expire. Thread-safe; null in harnesses without a server.
  auth::CredentialIssuer* credentials = nullptr;
  // The server's event loops (one per thread); background work may be posted to any of them.
  // Empty (and `listeners` null) in in-process harnesses: a service then serves only what
  // needs no background work (Lambda: its control plane; Invoke answers 501).
  std::vector<boost::asio::io_context*> loops;
  ListenerFactory* listeners = nullptr;  // private HTTP listeners (Lambda's Runtime API)
  FlagValues flags;                      // every service's flags, defaults applied
  ServiceLinks links;                    // what services built earlier published
};

// One AWS service. Plain data; `create` is called once, at start-up, in table order.
struct ServiceFactory {
  std::string_view name;  // the botocore model name it implements, e.g. "logs"
  // Options it adds to `nimbus serve` (read them with ctx.flags), in --help order.
  std::vector<FlagSpec> flags;
  // Builds the provider over `ctx`, publishing in ctx.links what other services may use. Fails
  // when the service cannot start (e.g. its schema migration fails).
  Result<std::unique_ptr<Provider>> (*create)(ServiceContext& ctx) = nullptr;
};

// Every flag of `factories`, in order.
std::vector<FlagSpec> FlagsOf(std::span<const ServiceFactory> factories);

// Builds every factory's provider over `ctx` in order (after giving ctx.flags the defaults of
// every flag) and checks each against its model (ServiceEndpoint::Create). Fails, naming the
// service, when one fails: start-up stops rather than serve without it.
Result<std::vector<std::unique_ptr<ServiceEndpoint>>> BuildServices(
    std::span<const ServiceFactory> factories, ServiceContext& ctx);

}  // namespace nimbus
