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
  // The services' own flags (ServiceFactory::flags), validated, defaults applied.
  FlagValues service_flags;
};

// What the command line asks for.
struct CommandLine {
  enum class Command { kServe, kHelp, kServeHelp, kVersion, kPackage } command = Command::kHelp;
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
