// nimbus: wiring only. Parses the command line, builds the pieces, serves until signalled.
#include <signal.h>
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "server/access_log.h"
#include "server/fd_limit.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "server/options.h"
#include "server/sigv4_authenticator.h"
#include "services/ecs/cli/ecs_command.h"
#include "services/ecs/exec/session_manager_plugin.h"
#include "services/registry/registry.h"
#include "services/sns/sns_service.h"

namespace {

int Fail(const std::string& message) {
  std::cerr << "nimbus: " << message << "\n";
  return 1;
}

int Serve(const nimbus::ServeOptions& options) {
  using namespace nimbus;
  ::signal(SIGPIPE, SIG_IGN);
  auth::CredentialIssuer issued_credentials(SystemClock());  // functions' and tasks' own
  auto auth = MakeSigV4Authenticator(options.credentials_file, SystemClock(), &issued_credentials);
  if (!auth.ok()) return Fail(auth.error().ToString());
  auto db = store::Database::Open(options.data_dir);
  if (!db.ok())
    return Fail("cannot open the store in " + options.data_dir + ": " + db.error().ToString());
  auto blobs = store::BlobStore::Open(options.data_dir);
  if (!blobs.ok()) return Fail("cannot open the blob store: " + blobs.error().ToString());
  AccessLog log(STDOUT_FILENO, options.log_format);

  std::unique_ptr<Gateway> gateway;  // built once the port is known
  HttpServerOptions http;
  http.host = options.host;
  http.port = options.port;
  const size_t descriptors = RaiseDescriptorLimit();
  http.max_connections = options.max_connections > 0 ? static_cast<size_t>(options.max_connections)
                                                     : ConnectionCapFor(descriptors);
  http.head_timeout = std::chrono::seconds(options.head_timeout_seconds);
  http.idle_timeout = std::chrono::seconds(options.idle_timeout_seconds);
  http.body_min_rate = static_cast<uint64_t>(options.body_min_rate);
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

  ServiceContext services;
  services.db = db->get();
  services.blobs = blobs->get();
  services.clock = &SystemClock();
  services.data_dir = options.data_dir;
  services.host = options.host;
  services.port = *port;
  services.strict_auth = !options.credentials_file.empty();
  services.credentials = &issued_credentials;
  for (const auto& ctx : server.contexts()) services.loops.push_back(ctx.get());
  services.listeners = &server;
  services.flags = options.service_flags;
  auto endpoints = BuildServices(AllServices(), services);
  if (!endpoints.ok()) return Fail(endpoints.error().ToString());
  gateway = std::make_unique<Gateway>(std::move(*endpoints), **auth);

  boost::asio::signal_set signals(*server.contexts()[0], SIGTERM, SIGINT);
  boost::asio::steady_timer grace(*server.contexts()[0]);
  auto deadline = std::chrono::steady_clock::now();
  // Providers stop first (Lambda environments get SIGTERM and up to 2 s, as on AWS) while the
  // loops still serve their I/O; then the server drains in-flight requests.
  std::function<void(boost::system::error_code)> wait_providers = [&](boost::system::error_code) {
    if (gateway->Stopped() || std::chrono::steady_clock::now() >= deadline) {
      server.Stop();
      return;
    }
    grace.expires_after(std::chrono::milliseconds(10));
    grace.async_wait(wait_providers);
  };
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    gateway->Shutdown();
    deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2100);
    wait_providers({});
  });
  // Said once, on stderr so stdout's first line stays the ready line.
  for (const auto& note : gateway->StartupNotes()) std::cerr << "nimbus: " << note << "\n";
  std::string ready = "nimbus ready on http://" + options.host + ":" + std::to_string(*port) + "\n";
  if (::write(STDOUT_FILENO, ready.data(), ready.size()) < 0) return 1;
  server.Run();
  gateway.reset();  // providers first, then the store they use closes
  return 0;
}

// The packager script `nimbus package` runs (runtime/tools/nimbus-lambda-package, Python 3
// stdlib, the same script as the CMake function nimbus_lambda_package()). First found wins:
//   1. $NIMBUS_LAMBDA_PACKAGER;
//   2. nimbus-lambda-package next to the nimbus executable (an install puts both in bin/);
//   3. runtime/tools/ of the source tree this binary was built from (NIMBUS_SOURCE_DIR, which
//      CMake defines as its absolute source directory): what a build/ tree uses.
std::string FindPackager() {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto usable = [&ec](const fs::path& p) { return fs::is_regular_file(p, ec); };
  if (const char* env = std::getenv("NIMBUS_LAMBDA_PACKAGER"); env != nullptr && *env != '\0') {
    return env;
  }
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && usable(exe.parent_path() / "nimbus-lambda-package")) {
    return (exe.parent_path() / "nimbus-lambda-package").string();
  }
  fs::path source(NIMBUS_SOURCE_DIR);
  if (source.is_absolute()) {
    fs::path script = source / "runtime" / "tools" / "nimbus-lambda-package";
    if (usable(script)) return script.string();
  }
  return "";
}

// `nimbus package BINARY -o fn.zip [--no-libc] [--strip] [--name NAME]`: execs python3 on the
// packager with the arguments unchanged; its usage messages name the command `nimbus package`.
int Package(const std::vector<std::string>& args) {
  std::string script = FindPackager();
  if (script.empty()) {
    return Fail(
        "package: cannot find the packager script nimbus-lambda-package (set "
        "NIMBUS_LAMBDA_PACKAGER, or install it next to the nimbus binary)");
  }
  std::vector<std::string> argv_s = {
      "python3", "-c",
      "import sys; p = sys.argv.pop(1); sys.argv[0] = 'nimbus package'; "
      "exec(compile(open(p).read(), p, 'exec'), {'__name__': '__main__', '__file__': p})",
      script};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  ::execvp("python3", argv.data());
  return Fail(std::string("package: cannot run python3: ") + std::strerror(errno));
}

// `nimbus cert`: the local CA's path (created on first use, as serve would) and how to trust it.
int Cert(const std::string& data_dir) {
  auto ca = nimbus::sns::LocalCaPath(data_dir);
  if (!ca.ok()) return Fail("cert: " + ca.error().ToString());
  std::cout << *ca << "\n"
            << "Trust it system-wide (Debian/Ubuntu, as root):\n"
            << "  cp " << *ca << " /usr/local/share/ca-certificates/nimbus-local-ca.crt"
            << " && update-ca-certificates\n"
            << "Or per tool: NODE_EXTRA_CA_CERTS=" << *ca << " (Node.js), REQUESTS_CA_BUNDLE="
            << *ca << " (Python requests), SSL_CERT_FILE=" << *ca << " (OpenSSL's default)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Called through the session-manager-plugin link the AWS CLI runs for `aws ecs
  // execute-command`, or as `nimbus session-manager-plugin ...`.
  if (argc > 0 && std::filesystem::path(argv[0]).filename() == "session-manager-plugin") {
    return nimbus::ecs::exec::RunSessionManagerPlugin(args);
  }
  if (!args.empty() && args[0] == "session-manager-plugin") {
    return nimbus::ecs::exec::RunSessionManagerPlugin({args.begin() + 1, args.end()});
  }
  const std::vector<nimbus::FlagSpec> service_flags = nimbus::FlagsOf(nimbus::AllServices());
  auto cl = nimbus::ParseCommandLine(args, service_flags);
  if (!cl.ok()) return Fail(cl.error().message()), 2;
  switch (cl->command) {
    case nimbus::CommandLine::Command::kHelp:
      std::cout << nimbus::MainHelp();
      return 0;
    case nimbus::CommandLine::Command::kServeHelp:
      std::cout << nimbus::ServeHelp(service_flags);
      return 0;
    case nimbus::CommandLine::Command::kVersion:
      std::cout << "nimbus " << NIMBUS_VERSION << "\n";
      return 0;
    case nimbus::CommandLine::Command::kPackage:
      return Package(cl->args);
    case nimbus::CommandLine::Command::kCert:
      return Cert(cl->serve.data_dir);
    case nimbus::CommandLine::Command::kEcs:
      return nimbus::ecs::cli::RunEcsCommand(cl->args);
    case nimbus::CommandLine::Command::kServe:
      return Serve(cl->serve);
  }
  return 0;
}
