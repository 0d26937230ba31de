// The one explicit list of AWS service providers nimbus serves, and what they may depend on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/clock.h"
#include "protocol/listener.h"
#include "protocol/provider.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace nimbus {

// Dependencies handed to providers. Everything pointed to is owned by main and outlives every
// provider. Providers are created after the server has bound its port.
struct ServiceDeps {
  store::Database* db = nullptr;        // thread-safe
  store::BlobStore* blobs = nullptr;    // thread-safe
  const Clock* clock = nullptr;
  std::string data_dir;                 // providers may keep files under <data_dir>/<service>/
  std::string host;                     // address served, e.g. "127.0.0.1"
  uint16_t port = 0;                    // port served
  std::string registry_host;            // host[:port] for ECR repositoryUri
  bool strict_auth = false;             // --credentials: every request must be authenticated
  int lambda_concurrency = 1000;
  int lambda_idle_seconds = 600;
  int lambda_async_retry_seconds = 60;
  // The server's event loops (one per thread); background work may be posted to any of them.
  std::vector<boost::asio::io_context*> loops;
  // Opens private HTTP listeners (Lambda Runtime API per execution environment).
  ListenerFactory* listeners = nullptr;
};

// Every provider, in one list. Add a service here. Fails when a provider cannot start (e.g.
// its schema migration fails).
Result<std::vector<std::unique_ptr<Provider>>> MakeProviders(const ServiceDeps& deps);

}  // namespace nimbus
