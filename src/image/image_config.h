// The parts of an OCI / Docker image config (the JSON blob a manifest's `config` names) that a
// runtime needs: how to start the container and what its layers unpack to. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::image {

// The image's HEALTHCHECK (Docker's config.Healthcheck); durations in nanoseconds as stored.
struct ImageHealthcheck {
  std::vector<std::string> test;  // ["CMD", ...], ["CMD-SHELL", "..."], ["NONE"]; empty: inherit
  int64_t interval_ns = 0;        // 0: the runtime's default
  int64_t timeout_ns = 0;
  int64_t start_period_ns = 0;
  int64_t retries = 0;
};

struct ImageConfig {
  std::string os;            // "linux"
  std::string architecture;  // GOARCH: "amd64"
  std::string variant;
  // config.* (absent fields stay empty; an explicit null Entrypoint/Cmd is empty too).
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;            // "NAME=value", in image order
  std::string working_dir;                 // "" means "/"
  std::string user;                        // as written: "", "name", "uid", "name:group", "uid:gid"
  std::string stop_signal;                 // as written: "", "SIGTERM", "SIGQUIT", "9", ...
  std::vector<std::string> exposed_ports;  // "80/tcp", "53/udp", sorted
  std::optional<ImageHealthcheck> healthcheck;
  std::vector<std::string> labels;  // "key=value", sorted
  // rootfs.diff_ids: the sha256 of each layer's uncompressed tar, bottom first.
  std::vector<std::string> diff_ids;
};

// Parses a config blob. InvalidArgument naming the field for malformed JSON or wrong types
// (e.g. "image config: config.Env must be an array of strings"); rootfs.type must be "layers".
Result<ImageConfig> ParseImageConfig(std::string_view json);

// The signal number of a STOPSIGNAL value ("SIGTERM", "TERM", "15", "SIGRTMIN+3"), or
// InvalidArgument. Empty gives SIGTERM.
Result<int> ParseStopSignal(std::string_view stop_signal);

}  // namespace nimbus::image
