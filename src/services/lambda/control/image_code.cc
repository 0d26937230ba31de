// PackageType Image: an ImageUri resolved to its digest (CreateFunction, UpdateFunctionCode),
// and a function whose image was deleted from the registry.
#include "services/kit/input.h"
#include "services/lambda/control/control_plane.h"
#include "services/lambda/control/errors.h"

namespace nimbus::lambda {

std::optional<AwsError> LambdaControl::SetImageCode(const CallContext& call, const std::string& uri,
                                                    VersionState& v) const {
  auto invalid = [&uri] {
    return InvalidParam("Source image " + uri + " is not valid. Provide a valid source image.");
  };
  if (opts_.images == nullptr) {
    return InvalidParam(
        "nimbus runs container-image functions from its own ECR registry, which this server "
        "does not run: use a .zip package");
  }
  // A tag or a digest is required: Lambda does not default to :latest.
  size_t slash = uri.rfind('/');
  if (slash == std::string::npos || uri.find_first_of(":@", slash) == std::string::npos) {
    return invalid();
  }
  auto resolved = opts_.images->Resolve(call.account_id, call.region, uri);
  if (!resolved.ok()) {
    switch (resolved.error().code()) {
      case StatusCode::kNotFound:
        return InvalidParam("Source image " + uri +
                            " does not exist. Provide a valid source image.");
      case StatusCode::kInvalidArgument:
        return invalid();
      case StatusCode::kPermissionDenied:
        return InvalidParam(
            "Lambda does not have permission to access the ECR image. Check the ECR "
            "permissions.");
      default:
        return ServiceError("cannot resolve " + uri + ": " + resolved.error().message());
    }
  }
  std::string pinned = resolved->repository_uri + "@" + resolved->digest;
  if (resolved->is_index) {
    return InvalidParam("The image manifest, config or layer media type for the source image " +
                        pinned + " is not supported.");
  }
  v.image_uri = uri;
  v.resolved_image_uri = pinned;
  v.pinned_image_uri = resolved->pinned_uri;
  // CodeSha256 of an image function is its image's digest, in hex.
  v.config["CodeSha256"] = resolved->digest.substr(resolved->digest.find(':') + 1);
  v.config["CodeSize"] = 0;
  return std::nullopt;
}

void LambdaControl::ReportImageDeleted(const FunctionSnapshot& fn) {
  std::string key = Key(fn.account_id, fn.region, fn.function_name);
  std::lock_guard write(write_mu_);
  FunctionPtr cur = Find(fn.account_id, fn.region, fn.function_name);
  if (cur == nullptr) return;
  auto next = std::make_shared<FunctionState>(*cur);
  VersionState* v = &next->latest;
  if (fn.version != kLatest) {
    auto it = next->versions.find(std::stoll(fn.version));
    if (it == next->versions.end()) return;
    v = &it->second;
  }
  // Only the image this snapshot ran: a newer UpdateFunctionCode has given it another.
  if (v->pinned_image_uri != fn.image_uri || Str(v->config, "State") == "Failed") return;
  v->config["State"] = "Failed";
  v->config["StateReason"] = "The function is trying to use a deleted image.";
  v->config["StateReasonCode"] = "ImageDeleted";
  v->generation = next_generation_++;
  (void)Commit(std::move(next));  // on a disk error the next cold start reports it again
}

}  // namespace nimbus::lambda
