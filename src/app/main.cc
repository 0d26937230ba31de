// nimbus: wiring only. Parses the command line, builds the pieces, serves until signalled.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/signal_set.hpp>

#include "core/clock.h"
#include "server/access_log.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "server/options.h"
#include "server/sigv4_authenticator.h"
#include "services/registry/registry.h"

namespace {

int Fail(const std::string& message) {
  std::cerr << "nimbus: " << message << "\n";
  return 1;
}

int Serve(const nimbus::ServeOptions& options) {
  using namespace nimbus;
  ::signal(SIGPIPE, SIG_IGN);
  auto auth = MakeSigV4Authenticator(options.credentials_file, SystemClock());
  if (!auth.ok()) return Fail(auth.error().ToString());
  auto db = store::Database::Open(options.data_dir);
  if (!db.ok()) return Fail("cannot open the store in " + options.data_dir + ": " + db.error().ToString());
  auto blobs = store::BlobStore::Open(options.data_dir);
  if (!blobs.ok()) return Fail("cannot open the blob store: " + blobs.error().ToString());
  AccessLog log(STDOUT_FILENO, options.log_format);

  std::unique_ptr<Gateway> gateway;  // built once the port is known
  HttpServerOptions http;
  http.host = options.host;
  http.port = options.port;
  HttpServer server(
      http, [&gateway](HttpRequest& request) { return gateway->Handle(request); },
      [&log](const HttpRequest& req, const HttpResponse& resp, uint64_t bytes,
             std::chrono::nanoseconds latency) {
        AccessLogEntry e;
        e.time = SystemClock().Now();
        e.client = req.remote_address;
        e.method = req.method;
        e.target = req.target;
        e.version_minor = req.version_minor;
        e.status = resp.status;
        e.bytes = bytes;
        e.latency_ms = std::chrono::duration<double, std::milli>(latency).count();
        e.user_agent = req.headers.Get("User-Agent");
        e.operation = resp.operation;
        e.request_id = resp.headers.Get("x-amzn-RequestId");
        log.Record(e);
      });
  auto port = server.Bind();
  if (!port.ok()) return Fail(port.error().ToString());

  ServiceDeps deps;
  deps.db = db->get();
  deps.blobs = blobs->get();
  deps.clock = &SystemClock();
  deps.data_dir = options.data_dir;
  deps.host = options.host;
  deps.port = *port;
  deps.registry_host = options.registry_host.empty()
                           ? options.host + ":" + std::to_string(*port)
                           : options.registry_host;
  deps.lambda_concurrency = options.lambda_concurrency;
  deps.lambda_idle_seconds = options.lambda_idle_seconds;
  for (const auto& ctx : server.contexts()) deps.loops.push_back(ctx.get());
  deps.listeners = &server;
  auto providers = MakeProviders(deps);
  if (!providers.ok()) return Fail(providers.error().ToString());
  gateway = std::make_unique<Gateway>(std::move(*providers), **auth);

  boost::asio::signal_set signals(*server.contexts()[0], SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    gateway->Shutdown();
    server.Stop();
  });
  std::string ready = "nimbus ready on http://" + options.host + ":" + std::to_string(*port) + "\n";
  if (::write(STDOUT_FILENO, ready.data(), ready.size()) < 0) return 1;
  server.Run();
  gateway.reset();  // providers first, then the store they use closes
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cl = nimbus::ParseCommandLine(args);
  if (!cl.ok()) return Fail(cl.error().message()), 2;
  switch (cl->command) {
    case nimbus::CommandLine::Command::kHelp:
      std::cout << nimbus::MainHelp();
      return 0;
    case nimbus::CommandLine::Command::kServeHelp:
      std::cout << nimbus::ServeHelp();
      return 0;
    case nimbus::CommandLine::Command::kVersion:
      std::cout << "nimbus " << NIMBUS_VERSION << "\n";
      return 0;
    case nimbus::CommandLine::Command::kPackage:
      return Fail("package: not available in this build yet");
    case nimbus::CommandLine::Command::kServe:
      return Serve(cl->serve);
  }
  return 0;
}
