// The awslogs log driver's options (a container definition's logConfiguration.options), checked
// twice as on AWS: by ECS when the task definition is registered (RegisterTaskDefinition's
// ClientExceptions), and by the driver when the container starts (Docker's own checks, which
// fail the task). Pure.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <regex>
#include <string>

#include "core/aws_error.h"
#include "core/status.h"
#include "protocol/call.h"

namespace nimbus::ecs::awslogs {

// RegisterTaskDefinition's checks of one container's `logConfiguration` (a JSON object as the
// codec decoded it): awslogs needs awslogs-region and awslogs-group and allows only its
// documented options; on FARGATE it needs awslogs-stream-prefix and the task an execution role.
// Other drivers are not checked here. nullopt when it holds.
std::optional<AwsError> CheckLogConfiguration(const Value& log_configuration, bool fargate,
                                              bool has_execution_role);

// What the driver does for one container, from its options.
struct Options {
  std::string group;
  std::string region;
  std::string stream_prefix;  // empty: none
  bool create_group = false;
  bool non_blocking = false;
  size_t max_buffer_size = 1024 * 1024;  // non-blocking mode's buffer, Docker's default 1 MiB
  // A line matching it starts a new event; others join the current one (awslogs-multiline-pattern
  // or the regex of awslogs-datetime-format). Unset: one event per line.
  std::optional<std::regex> line_start;
};

// Docker's checks at container start, with its messages ("unknown log opt 'x' for awslogs log
// driver", both multiline options set, a bad mode, max-buffer-size or pattern): the error's
// message is what follows "failed to initialize logging driver: " in the stop reason.
Result<Options> ParseOptions(const std::map<std::string, std::string>& options);

// The stream a container's lines go to: "prefix/container-name/task-id", or without a prefix
// the container's runtime id (as Docker names it).
std::string StreamName(const Options& options, const std::string& container_name,
                       const std::string& task_id, const std::string& runtime_id);

// Docker's awslogs-datetime-format conversion: each strftime sequence (%Y, %b, %H, %L, ...)
// becomes the regular expression it matches; other text stays as it is. An unknown sequence
// becomes nothing, as in Docker.
std::string DatetimeFormatToRegex(const std::string& format);

// Docker's units.RAMInBytes: "1048576", "64k", "4m", "1.5MiB", "2 GB" (binary multiples);
// nullopt when malformed.
std::optional<int64_t> ParseRamBytes(const std::string& text);

}  // namespace nimbus::ecs::awslogs
