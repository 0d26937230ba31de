// Starting an execution environment: its network namespace and the listeners inside it (the
// Runtime API, nimbus's AWS endpoint), the Lambda environment variables, the sandbox (code at
// /var/task, layers at /opt, nimbus's language bootstraps at /var/runtime; or a container
// image's root, image_launch.h), then the watchers.
#include <sys/stat.h>

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/environment_network.h"
#include "services/lambda/invoke/image_launch.h"

namespace nimbus::lambda {

namespace {

// An environment lives at most this long on AWS too; its credentials are revoked when it exits.
constexpr std::chrono::hours kEnvironmentCredentialLifetime{12};

bool IsFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// argv for the runtime: a custom runtime's bootstrap (zip root, else the last layer that has
// one), or nimbus's bootstrap for managed runtimes on the host's interpreter.
std::vector<std::string> EntryPoint(const FunctionSnapshot& fn) {
  if (fn.runtime.starts_with("python")) {
    return {"/usr/bin/python3", "/var/runtime/python/bootstrap.py"};
  }
  if (fn.runtime.starts_with("nodejs")) return {"/usr/bin/node", "/var/runtime/node/bootstrap.js"};
  if (IsFile(fn.code_dir + "/bootstrap")) return {"/var/task/bootstrap"};
  for (auto it = fn.layer_dirs.rbegin(); it != fn.layer_dirs.rend(); ++it) {
    if (IsFile(*it + "/bootstrap")) return {"/opt/bootstrap"};
  }
  return {"/var/task/bootstrap"};  // exec fails: Runtime.InvalidEntrypoint
}

}  // namespace

Status DataPlaneImpl::Launch(const std::shared_ptr<Environment>& env, ImageLaunch* image_plan) {
  const FunctionSnapshot& fn = *env->fn;
  const bool image = image_plan != nullptr;
  ImageLaunch image_launch;
  if (image) image_launch = std::move(*image_plan);
  std::weak_ptr<Environment> weak = env;
  auto runtime_api = [this, weak](HttpRequest& request) { return ServeRuntimeApi(weak, request); };
  // Where the function reaches nimbus: inside a network namespace of its own when there are
  // some (environment_network.h), else on private ports of the host (any local process's reach).
  sandbox::PreparedNetwork network;
  EnvironmentEndpoints ends;
  if (networks_.pool) {
    auto taken = networks_.pool->Take();
    if (!taken.ok()) return Status::Internal("network namespace: " + taken.error().message());
    network = std::move(*taken);
    auto served = ServeInNamespace(*deps_.listeners, network, std::move(runtime_api), env->loop);
    if (!served.ok()) {
      networks_.pool->Release(std::move(network));
      return served.error();
    }
    ends = std::move(*served);
  } else {
    auto opened = deps_.listeners->Listen(std::move(runtime_api), env->loop);
    if (!opened.ok()) return opened.error();
    ends.runtime_api = std::move(*opened);
    ends.runtime_api_address = deps_.options.host + ":" + std::to_string(ends.runtime_api->port());
    ends.endpoint_url = "http://" + deps_.options.host + ":" + std::to_string(deps_.options.port);
  }

  sandbox::SandboxSpec spec;
  if (image) {
    spec.image = std::move(image_launch.root);
    spec.argv = std::move(image_launch.argv);
    spec.working_dir = image_launch.working_dir;
  } else {
    spec.argv = EntryPoint(fn);
    spec.code_dir = fn.code_dir;
    spec.layer_dirs = fn.layer_dirs;
  }
  spec.memory_mb = static_cast<uint32_t>(fn.memory_mb);
  spec.ephemeral_storage_mb = static_cast<uint32_t>(fn.ephemeral_storage_mb);
  spec.unthrottled_start = true;  // Init runs with burst CPU; the first /next ends it
  bool managed = !image && !fn.runtime.starts_with("provided");
  if (managed) spec.extra_read_only.emplace_back(runtimes_dir_, "/var/runtime");

  std::map<std::string, std::string> vars = {
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
      {"LD_LIBRARY_PATH", "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:"
                          "/var/task/lib:/opt/lib"},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"},
  };
  if (fn.runtime.starts_with("nodejs")) {
    vars["NODE_PATH"] = "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:"
                        "/var/runtime/node_modules:/var/runtime:/var/task";
  }
  for (const auto& [k, v] : image_launch.env) vars[k] = v;  // an image's ENV over the defaults
  for (const auto& [k, v] : fn.environment) vars[k] = v;  // users may override unreserved ones
  std::map<std::string, std::string> reserved = {
      {"_HANDLER", image ? image_launch.handler : fn.handler},
      {"AWS_REGION", fn.region},
      {"AWS_DEFAULT_REGION", fn.region},
      {"AWS_LAMBDA_FUNCTION_NAME", fn.function_name},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(fn.memory_mb)},
      {"AWS_LAMBDA_FUNCTION_VERSION", env->executed_version},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"AWS_LAMBDA_LOG_GROUP_NAME", fn.log_group},
      {"AWS_LAMBDA_LOG_STREAM_NAME", env->log_stream},
      {"AWS_LAMBDA_RUNTIME_API", ends.runtime_api_address},
      {"LAMBDA_TASK_ROOT", "/var/task"},
      {"LAMBDA_RUNTIME_DIR", "/var/runtime"},
      {"AWS_ENDPOINT_URL", ends.endpoint_url},
  };
  // Credentials of the function's own account when it calls nimbus back, as AWS gives an
  // environment its execution role's: issued ones work in strict mode too.
  auth::Credential credential = auth::AccountKeyCredential(fn.account_id);
  if (deps_.credentials != nullptr) {
    // Acting as the execution role's session named after the function, as on AWS (in the
    // function's account: nimbus lets a role of another account be named, AWS would not).
    std::string role = fn.role;
    if (role.size() > 25 && role.starts_with("arn:aws:iam::")) {
      role = "arn:aws:iam::" + fn.account_id + role.substr(25);
    }
    credential = deps_.credentials
                     ->Issue(fn.account_id, kEnvironmentCredentialLifetime,
                             auth::AssumedRolePrincipal(role, fn.function_name)
                                 .value_or(auth::Principal{}))
                     .credential;
  }
  reserved["AWS_ACCESS_KEY_ID"] = credential.access_key_id;
  reserved["AWS_ACCESS_KEY"] = credential.access_key_id;
  reserved["AWS_SECRET_ACCESS_KEY"] = credential.secret_access_key;
  reserved["AWS_SESSION_TOKEN"] = credential.session_token;
  if (managed) reserved["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + fn.runtime;
  for (const auto& [k, v] : reserved) vars[k] = v;
  for (const auto& [k, v] : vars) spec.env.push_back(k + "=" + v);

  spec.netns_fd = network.netns.valid() ? network.netns.get() : -1;
  auto box = sandboxes_->Launch(spec);
  if (!box.ok()) {
    if (deps_.credentials != nullptr) deps_.credentials->Revoke(credential.access_key_id);
    if (networks_.pool) networks_.pool->Release(std::move(network));
    if (image && box.error().code() == StatusCode::kFailedPrecondition) {
      return Status::FailedPrecondition(ImageLaunchError(box.error().message(), image_launch));
    }
    return box.error();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    env->listener = std::move(ends.runtime_api);
    env->endpoint = std::move(ends.endpoint);
    env->network = std::move(network);
    if (deps_.credentials != nullptr) env->credential_key = credential.access_key_id;
    env->sandbox = std::move(*box);
    env->sandbox_view.store(env->sandbox.get(), std::memory_order_release);
    if (env->state == Environment::State::kDead) {  // killed while starting (shutdown)
      env->sandbox->Kill();
    }
  }
  Watch(env);
  return Status::Ok();
}

}  // namespace nimbus::lambda
