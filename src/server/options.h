// Command-line options of `nimbus serve` and their parsing. Pure; no I/O besides getenv.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/flags.h"
#include "core/status.h"
#include "server/access_log.h"

namespace nimbus {

struct ServeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;
  std::string data_dir;          // default: $XDG_DATA_HOME/nimbus or ~/.local/share/nimbus
  std::string credentials_file;  // empty = open mode (any access key is accepted)
  LogFormat log_format = LogFormat::kText;
  int max_connections = 0;        // 0 = derived from the descriptor limit (ConnectionCapFor)
  int head_timeout_seconds = 20;  // a request head must be complete this long after it starts
  int idle_timeout_seconds = 75;  // keep-alive idle, and the longest stall of a read or write
  int body_min_rate = 1024;       // bytes/s a request body must average after 10 s; 0 = none
  // The services' own flags (ServiceFactory::flags), validated, defaults applied.
  FlagValues service_flags;
};

// What the command line asks for.
struct CommandLine {
  enum class Command {
    kServe,
    kHelp,
    kServeHelp,
    kVersion,
    kPackage,
    kCert,
    kEcs
  } command = Command::kHelp;
  ServeOptions serve;
  std::vector<std::string> args;  // positional arguments of other commands
};

// Parses argv (argv[0] excluded); `service_flags` are the options the services add to `serve`.
// Errors name the offending option.
Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                     std::span<const FlagSpec> service_flags = {});

// The data dir used when --data-dir is not given.
std::string DefaultDataDir();

// `nimbus --help` and `nimbus serve --help` texts (the latter lists `service_flags` too).
std::string_view MainHelp();
std::string ServeHelp(std::span<const FlagSpec> service_flags = {});

}  // namespace nimbus
