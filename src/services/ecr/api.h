// Internal to the ECR provider: state shared by the API operation handlers, and the helpers
// that turn core results into ECR's wire shapes and exceptions.
#pragma once

#include <algorithm>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <optional>
#include <string>

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

// The ECR API operations, one function per operation (registered in ecr_provider.cc).
// Repositories, policies, tags and tokens (ecr_api_repos.cc).
OpResult CreateRepository(EcrState&, const CallContext&, const Value&);
OpResult DescribeRepositories(EcrState&, const CallContext&, const Value&);
OpResult DeleteRepository(EcrState&, const CallContext&, const Value&);
OpResult PutImageTagMutability(EcrState&, const CallContext&, const Value&);
OpResult PutImageScanningConfiguration(EcrState&, const CallContext&, const Value&);
OpResult PutLifecyclePolicy(EcrState&, const CallContext&, const Value&);
OpResult GetLifecyclePolicy(EcrState&, const CallContext&, const Value&);
OpResult DeleteLifecyclePolicy(EcrState&, const CallContext&, const Value&);
OpResult TagResource(EcrState&, const CallContext&, const Value&);
OpResult UntagResource(EcrState&, const CallContext&, const Value&);
OpResult ListTagsForResource(EcrState&, const CallContext&, const Value&);
OpResult GetAuthorizationToken(EcrState&, const CallContext&, const Value&);
// Images (ecr_api_images.cc).
OpResult ListImages(EcrState&, const CallContext&, const Value&);
OpResult DescribeImages(EcrState&, const CallContext&, const Value&);
OpResult BatchGetImage(EcrState&, const CallContext&, const Value&);
OpResult BatchDeleteImage(EcrState&, const CallContext&, const Value&);
OpResult PutImage(EcrState&, const CallContext&, const Value&);
// Layer uploads and downloads (ecr_api_layers.cc).
OpResult BatchCheckLayerAvailability(EcrState&, const CallContext&, const Value&);
OpResult InitiateLayerUpload(EcrState&, const CallContext&, const Value&);
OpResult UploadLayerPart(EcrState&, const CallContext&, const Value&);
OpResult CompleteLayerUpload(EcrState&, const CallContext&, const Value&);
OpResult GetDownloadUrlForLayer(EcrState&, const CallContext&, const Value&);

// InvalidParameterException with `message`.
AwsError InvalidParameter(const std::string& message);
// The ECR exception for a core error about `repo`.
AwsError ApiError(const CoreError& error, const Scope& ns, const std::string& repo);
// The required string member `key` of `input`, or an InvalidParameterException.
Result<std::string, AwsError> RequiredString(const Value& input, const char* key);
// AccessDeniedException when the input's registryId names another account's registry: only a
// repository policy could grant that, and nimbus keeps none. `repo` names the resource (empty:
// all of the registry's repositories).
std::optional<AwsError> ForeignRegistry(const CallContext& call, const Value& input,
                                        const std::string& repo);
// The repositoryName member, validated; RepositoryNotFoundException when the repository
// does not exist (so handlers can rely on it). Another account's registryId is refused.
Result<RepoRow, AwsError> InputRepo(EcrState& state, const CallContext& call, const Value& input);
// Offset pagination of a listing built whole: nextToken (an offset, 0 when absent) and
// maxResults (1..1000, default 1000), validated before the listing is read.
struct PageRequest {
  size_t start = 0;
  size_t size = 0;
};
Result<PageRequest, AwsError> ReadPage(const Value& input);
// The opaque nextToken for `offset`.
std::string NextToken(size_t offset);
// {member: [item(i) for the page's indexes of `count` items]}, with nextToken when more remain.
template <class Item>
Value PageOut(const PageRequest& page, size_t count, const char* member, Item item) {
  Value list = Value::array();
  size_t end = std::min(count, page.start + page.size);
  for (size_t i = page.start; i < end; ++i) list.push_back(item(i));
  Value out = {{member, std::move(list)}};
  if (end < count) out["nextToken"] = NextToken(end);
  return out;
}

}  // namespace nimbus::ecr
