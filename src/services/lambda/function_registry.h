// The contract between Lambda's control plane (functions, versions, aliases, layers, config;
// implemented in control/) and its data plane (Invoke, the Runtime API, execution environments;
// in invoke/). The control plane owns persistence; the data plane only reads immutable
// snapshots and listens for changes.
//
// Threading: every method is thread-safe. Snapshots are immutable and shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/aws_error.h"
#include "core/status.h"
#include "services/kit/scoped_key.h"

namespace nimbus::lambda {

// Async-invocation settings (PutFunctionEventInvokeConfig), with AWS's defaults.
struct EventInvokeConfig {
  int maximum_retry_attempts = 2;           // 0..2
  int maximum_event_age_seconds = 21600;    // 60..21600
  std::string on_success_destination;      // ARN or empty
  std::string on_failure_destination;      // ARN or empty
};

// Everything needed to run one published version (or $LATEST) of a function.
struct FunctionSnapshot {
  std::string account_id;
  std::string region;
  std::string function_name;
  std::string function_arn;        // unqualified: arn:aws:lambda:<region>:<acct>:function:<name>
  std::string version;             // "$LATEST" or "1", "2", ...
  std::string runtime;             // "provided.al2023", "python3.12", "nodejs20.x", ...
  std::string handler;
  std::string role;                // the execution role's ARN (the environment's credentials act as it)
  std::string package_type = "Zip";  // "Zip" | "Image"
  std::string code_sha256;         // base64 sha256 of the zip, as AWS reports CodeSha256
  std::string code_dir;            // extracted, read-only code directory (mounted at /var/task)
  std::vector<std::string> layer_dirs;  // extracted layer directories, in order (merged at /opt)
  // PackageType Image: the image to run, pinned to its digest as an ECR URI (code_dir and
  // layer_dirs are empty),
  // and ImageConfig's overrides of the image's ENTRYPOINT, CMD and WORKDIR (empty: the image's).
  std::string image_uri;
  std::vector<std::string> image_entrypoint, image_command;
  std::string image_working_dir;
  int memory_mb = 128;
  int timeout_seconds = 3;
  int ephemeral_storage_mb = 512;
  std::string architecture = "x86_64";
  std::map<std::string, std::string> environment;
  std::optional<int> reserved_concurrency;  // PutFunctionConcurrency
  EventInvokeConfig event_invoke_config;
  std::string dead_letter_target_arn;  // DeadLetterConfig.TargetArn, "" when none
  std::string log_group;           // "/aws/lambda/<name>" unless LoggingConfig says otherwise
  std::string revision_id;
  // Changes whenever code or configuration of this version changes: environments built from
  // an older generation are retired.
  uint64_t generation = 0;
  // What the data plane counts concurrency and pools environments by, filled by the registry
  // with the rest: ScopedKey(scope, ""), FunctionKey (ScopedKey(scope, name)), then
  // FunctionKey + "/<version>".
  std::string account_key, function_key, version_key;
  // Set once this process found code_dir and layer_dirs on disk (they are caches of the blobs,
  // re-extracted when missing), so warm invokes skip the check. Shared by copies; thread-safe.
  std::shared_ptr<std::atomic<bool>> code_ready = std::make_shared<std::atomic<bool>>(false);
};

// The key a function's snapshots carry as function_key, and the control plane keeps functions
// by: kit's ScopedKey of its scope and name. Its versions' version_key extend it with
// "/<version>".
inline std::string FunctionKey(const std::string& account, const std::string& region,
                               const std::string& name) {
  return ScopedKey(Scope{account, region}, name);
}

// What an Invoke names after resolving FunctionName (name, partial or full ARN) and Qualifier.
struct ResolvedInvoke {
  std::shared_ptr<const FunctionSnapshot> function;
  std::string invoked_arn;       // the ARN as invoked (includes the qualifier when given)
  std::string executed_version;  // version that runs (alias routing applied)
};

// CORS settings of a function URL (its Cors member), empty when none are configured.
struct FunctionUrlCors {
  bool configured = false;
  bool allow_credentials = false;
  std::vector<std::string> allow_origins, allow_methods, allow_headers, expose_headers;
  std::optional<int> max_age;
};

// What a function URL serves: the function and qualifier it invokes and how.
struct FunctionUrlTarget {
  std::string account_id, region, function_name;
  std::string qualifier;   // alias name, or "" for the unqualified function ($LATEST)
  std::string url_id;      // 32 lower-case characters, the host's first label
  bool aws_iam = false;    // AuthType AWS_IAM (else NONE)
  bool streaming = false;  // InvokeMode RESPONSE_STREAM (else BUFFERED)
  FunctionUrlCors cors;
};

class FunctionRegistry {
 public:
  virtual ~FunctionRegistry() = default;

  // Resolves an invoke target. `qualifier` may be empty, "$LATEST", a version or an alias (an
  // alias with routing weights picks a version at random by weight). Errors are AWS's:
  // ResourceNotFoundException (404) for unknown functions/qualifiers, InvalidParameterValue /
  // ValidationException for malformed names, ResourceConflictException when the function is
  // not Active (State Pending/Failed).
  virtual Result<ResolvedInvoke, AwsError> ResolveInvoke(const std::string& account_id,
                                                         const std::string& region,
                                                         const std::string& function_name,
                                                         const std::string& qualifier) = 0;

  // Called with (account, region, function name) after any change to a function's code,
  // configuration, concurrency or deletion. Listeners must be cheap and thread-safe.
  using ChangeListener = std::function<void(const std::string& account_id,
                                            const std::string& region,
                                            const std::string& function_name)>;
  virtual void AddChangeListener(ChangeListener listener) = 0;

  // The function URL whose id is `url_id` (any account and region), nullopt when none is.
  virtual std::optional<FunctionUrlTarget> ResolveFunctionUrl(const std::string& url_id) = 0;

  // The data plane found `fn`'s image gone from the registry at a cold start: the version
  // becomes State Failed (StateReasonCode ImageDeleted) until UpdateFunctionCode gives it an
  // image again, as Lambda does when it can no longer fetch a function's image.
  virtual void ReportImageDeleted(const FunctionSnapshot& fn) = 0;
};

}  // namespace nimbus::lambda
