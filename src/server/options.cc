#include "server/options.h"

#include <cstdlib>

namespace nimbus {
namespace {

// The server's integer options: name, accepted range, field.
struct IntOption {
  std::string_view name;
  int min, max;
  int ServeOptions::*field;
};
constexpr IntOption kIntOptions[] = {
    {"--max-connections", 1, 1 << 24, &ServeOptions::max_connections},
    {"--head-timeout", 1, 3600, &ServeOptions::head_timeout_seconds},
    {"--idle-timeout", 1, 86400, &ServeOptions::idle_timeout_seconds},
    {"--body-min-rate", 0, 1 << 30, &ServeOptions::body_min_rate},
};

Status ApplyServeOption(const std::string& name, const std::string& value,
                        std::span<const FlagSpec> service_flags, ServeOptions& o) {
  for (const IntOption& option : kIntOptions) {
    if (name != option.name) continue;
    auto n = ParseFlagInt(name, value, option.min, option.max);
    if (!n.ok()) return n.error();
    o.*option.field = static_cast<int>(*n);
    return Status::Ok();
  }
  if (name == "--host") {
    o.host = value;
  } else if (name == "--port") {
    auto n = ParseFlagInt(name, value, 0, 65535);
    if (!n.ok()) return n.error();
    o.port = static_cast<uint16_t>(*n);
  } else if (name == "--data-dir") {
    o.data_dir = value;
  } else if (name == "--credentials") {
    o.credentials_file = value;
  } else if (name == "--log-format") {
    if (value == "text") {
      o.log_format = LogFormat::kText;
    } else if (value == "json") {
      o.log_format = LogFormat::kJson;
    } else {
      return Status::InvalidArgument("--log-format must be text or json, not '" + value + "'");
    }
  } else {
    for (const FlagSpec& spec : service_flags) {
      if (spec.name == name) return o.service_flags.Set(spec, value);
    }
    return Status::InvalidArgument("unknown option " + name + " (see nimbus serve --help)");
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultDataDir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/nimbus";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home != '\0' ? home : ".") + "/.local/share/nimbus";
}

Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                     std::span<const FlagSpec> service_flags) {
  CommandLine cl;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") return cl;
  if (args[0] == "--version" || args[0] == "version") {
    cl.command = CommandLine::Command::kVersion;
    return cl;
  }
  if (args[0] == "package") {
    cl.command = CommandLine::Command::kPackage;
    cl.args.assign(args.begin() + 1, args.end());
    return cl;
  }
  if (args[0] == "ecs") {  // nimbus ecs SUBCOMMAND ... (services/ecs/cli/ecs_command.h)
    cl.command = CommandLine::Command::kEcs;
    cl.args.assign(args.begin() + 1, args.end());
    return cl;
  }
  if (args[0] == "cert") {  // nimbus cert [--data-dir DIR]
    cl.command = CommandLine::Command::kCert;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--data-dir" && i + 1 < args.size()) {
        cl.serve.data_dir = args[++i];
      } else if (args[i].starts_with("--data-dir=")) {
        cl.serve.data_dir = args[i].substr(11);
      } else {
        return Status::InvalidArgument("unexpected argument '" + args[i] +
                                       "' (usage: nimbus cert [--data-dir DIR])");
      }
    }
    if (cl.serve.data_dir.empty()) cl.serve.data_dir = DefaultDataDir();
    return cl;
  }
  if (args[0] != "serve") {
    return Status::InvalidArgument("unknown command '" + args[0] + "' (see nimbus --help)");
  }
  cl.command = CommandLine::Command::kServe;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      cl.command = CommandLine::Command::kServeHelp;
      return cl;
    }
    if (!arg.starts_with("--")) {
      return Status::InvalidArgument("unexpected argument '" + arg + "' (see nimbus serve --help)");
    }
    std::string name = arg, value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument("option " + arg + " needs a value");
    }
    NIMBUS_RETURN_IF_ERROR(ApplyServeOption(name, value, service_flags, cl.serve));
  }
  if (cl.serve.data_dir.empty()) cl.serve.data_dir = DefaultDataDir();
  cl.serve.service_flags.FillDefaults(service_flags);
  return cl;
}

std::string_view MainHelp() {
  return R"(nimbus - AWS compute services on one machine (Lambda, ECR, ECS, SNS, CloudWatch Logs, STS,
EC2 Image Builder) for real AWS clients.

Usage:
  nimbus serve [options]             start the server (see nimbus serve --help)
  nimbus package BINARY -o fn.zip    package a C++ Lambda binary for provided.al2023
  nimbus cert [--data-dir DIR]       print the path of nimbus's local CA (https SigningCertURL)
                                     and the commands to trust it
  nimbus ecs drift [--cluster C]     list ECS service containers whose running image digest
                                     differs from the digest their tag names now
  nimbus ecs exec --task T -- CMD     run CMD in a running ECS task's container (ECS Exec; see
                                     nimbus ecs exec --help)
  nimbus session-manager-plugin ...  AWS's Session Manager plugin, which `aws ecs execute-command`
                                     runs; the build links build/session-manager-plugin to nimbus
                                     (put that dir on PATH)
  nimbus --version                   print the version
  nimbus --help                      print this help

Point any AWS client at the server:  aws --endpoint-url http://localhost:4566 sts get-caller-identity
)";
}

std::string ServeHelp(std::span<const FlagSpec> service_flags) {
  std::string help = R"(Usage: nimbus serve [options]

Options:
  --host ADDR                 address to listen on (default 127.0.0.1)
  --port N                    port to listen on; 0 picks a free port (default 4566)
  --data-dir DIR              where state lives (default $XDG_DATA_HOME/nimbus,
                              else ~/.local/share/nimbus)
  --credentials FILE          require valid SigV4 signatures; FILE has lines
                              "ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID"; each account sees only
                              its own resources (default: any key is accepted, account 000000000000)
  --log-format text|json      console access log format (default text)
  --max-connections N         open connections beyond which new ones are answered 503 (default:
                              three quarters of the descriptor limit, raised to its hard limit)
  --head-timeout SECONDS      a request head must arrive within this time of its first byte
                              (default 20)
  --idle-timeout SECONDS      keep-alive idle time, and the longest stall of a read or write
                              (default 75)
  --body-min-rate BYTES       bytes/s a request body must average after its first 10 s; 0 turns
                              the minimum off (default 1024)
)";
  help += FlagHelp(service_flags);
  help += R"(
When ready, prints exactly one line: "nimbus ready on http://HOST:PORT".
SIGTERM or SIGINT stops accepting, finishes in-flight requests, closes the store and exits 0.
)";
  return help;
}

}  // namespace nimbus
