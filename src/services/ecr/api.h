// Internal to the ECR provider: state shared by the API operation handlers, and the helpers
// that turn core results into ECR's wire shapes and exceptions.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "protocol/provider.h"
#include "services/ecr/core.h"
#include "services/ecr/oci_routes.h"
#include "services/ecr/registry_auth.h"
#include "services/ecr/uploads.h"
#include "store/blob_store.h"

namespace nimbus::ecr {

struct EcrState {
  std::unique_ptr<store::BlobStore> blobs;
  std::unique_ptr<EcrCore> core;
  std::unique_ptr<UploadTable> uploads;
  std::unique_ptr<RegistryAuth> auth;
  std::unique_ptr<OciRoutes> routes;
  std::string registry_host;
  // Blocking blob commits of the registry routes. Last, so it is joined first on destruction.
  std::unique_ptr<boost::asio::thread_pool> disk;
};

// Registers the repository, policy, tag and token operations (ecr_api_repos.cc).
void RegisterRepoOps(OperationTable& table, EcrState& state);
// Registers the image operations (ecr_api_images.cc).
void RegisterImageOps(OperationTable& table, EcrState& state);
// Registers the layer upload/download operations (ecr_api_layers.cc).
void RegisterLayerOps(OperationTable& table, EcrState& state);

// The caller's namespace.
Ns NsOf(const CallContext& call);
// InvalidParameterException with `message`.
AwsError InvalidParameter(const std::string& message);
// The ECR exception for a core error about `repo`.
AwsError ApiError(const CoreError& error, const Ns& ns, const std::string& repo);
// The required string member `key` of `input`, or an InvalidParameterException.
Result<std::string, AwsError> RequiredString(const Value& input, const char* key);
// The repositoryName member, validated; RepositoryNotFoundException when the repository
// does not exist (so handlers can rely on it).
Result<RepoRow, AwsError> InputRepo(EcrState& state, const CallContext& call, const Value& input);
// Pagination: decodes nextToken into an offset (0 when absent).
Result<size_t, AwsError> PageStart(const Value& input);
// maxResults within [1, limit] (default `limit`).
Result<size_t, AwsError> PageSize(const Value& input, size_t limit);
// The opaque nextToken for `offset`.
std::string NextToken(size_t offset);

}  // namespace nimbus::ecr
