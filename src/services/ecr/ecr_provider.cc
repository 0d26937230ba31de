#include "image/image_cache.h"
#include "services/ecr/api.h"
#include "services/ecr/ecr_service.h"
#include "services/ecr/image_reader.h"
#include "services/ecr/names.h"
#include "services/kit/input.h"
#include "services/kit/operations.h"
#include "services/kit/pagination.h"

namespace nimbus::ecr {
namespace {

constexpr Operation<EcrState> kOperations[] = {
    {"CreateRepository", CreateRepository},
    {"DescribeRepositories", DescribeRepositories},
    {"DeleteRepository", DeleteRepository},
    {"PutImageTagMutability", PutImageTagMutability},
    {"PutImageScanningConfiguration", PutImageScanningConfiguration},
    {"PutLifecyclePolicy", PutLifecyclePolicy},
    {"GetLifecyclePolicy", GetLifecyclePolicy},
    {"DeleteLifecyclePolicy", DeleteLifecyclePolicy},
    {"TagResource", TagResource},
    {"UntagResource", UntagResource},
    {"ListTagsForResource", ListTagsForResource},
    {"GetAuthorizationToken", GetAuthorizationToken},
    {"ListImages", ListImages},
    {"DescribeImages", DescribeImages},
    {"BatchGetImage", BatchGetImage},
    {"BatchDeleteImage", BatchDeleteImage},
    {"PutImage", PutImage},
    {"BatchCheckLayerAvailability", BatchCheckLayerAvailability},
    {"InitiateLayerUpload", InitiateLayerUpload},
    {"UploadLayerPart", UploadLayerPart},
    {"CompleteLayerUpload", CompleteLayerUpload},
    {"GetDownloadUrlForLayer", GetDownloadUrlForLayer},
};

class EcrProvider : public Provider {
 public:
  explicit EcrProvider(std::shared_ptr<EcrState> state) : state_(std::move(state)) {}
  std::string_view service_name() const override { return "ecr"; }

  void RegisterOperations(OperationTable& table) override {
    AddOperations(table, *state_, kOperations);
  }

  void RegisterRoutes(RouteTable& routes) override {
    OciRoutes* oci = state_->routes.get();
    routes.AddStreamingRoute("/v2",
                             [oci](HttpRequest& request) -> boost::asio::awaitable<HttpResponse> {
                               return oci->Handle(request);
                             });
  }

 private:
  std::shared_ptr<EcrState> state_;  // shared with the ImageReader it publishes
};

}  // namespace

AwsError InvalidParameter(const std::string& message) {
  return AwsError("InvalidParameterException", message);
}

Result<std::string, AwsError> RequiredString(const Value& input, const char* key) {
  return RequiredStr(input, key, "InvalidParameterException");
}

Result<RepoRow, AwsError> InputRepo(EcrState& state, const CallContext& call, const Value& input) {
  auto name = RequiredString(input, "repositoryName");
  if (!name.ok()) return name.error();
  if (auto denied = ForeignRegistry(call, input, *name)) return *denied;
  Scope ns = ScopeOf(call);
  if (!ValidRepoName(*name)) return ApiError({Err::kNameUnknown, ""}, ns, *name);
  auto repo = state.core->Repo(ns, *name);
  if (!repo.ok()) return ApiError(repo.error(), ns, *name);
  return std::move(*repo);
}

AwsError ApiError(const CoreError& e, const Scope& ns, const std::string& repo) {
  switch (e.code) {
    case Err::kNameUnknown:
    case Err::kNameInvalid:
      return AwsError("RepositoryNotFoundException", EcrCore::RepoNotFoundMessage(ns, repo));
    case Err::kManifestUnknown:
      return AwsError("ImageNotFoundException", e.message);
    case Err::kManifestBlobUnknown:
      return AwsError("LayersNotFoundException", "Layers with digests '[" + e.message +
                                                     "]' required for pushing image into "
                                                     "repository with name '" +
                                                     repo + "' in the registry with id '" +
                                                     ns.account + "' do not exist");
    case Err::kTagImmutable:
      return AwsError("ImageTagAlreadyExistsException", e.message);
    case Err::kDigestInvalid:
      return AwsError("ImageDigestDoesNotMatchException", e.message);
    case Err::kReferencedByIndex:
      return AwsError("InvalidParameterException", e.message);
    case Err::kTooLarge:
    case Err::kManifestInvalid:
    case Err::kTagInvalid:
    case Err::kSizeInvalid:
    case Err::kRangeInvalid:
    case Err::kUploadInvalid:
    case Err::kUnsupported:
      return InvalidParameter(e.message);
    case Err::kBlobUnknown:
      return AwsError("LayersNotFoundException", e.message);
    case Err::kUploadUnknown:
      return AwsError("UploadNotFoundException", e.message);
    case Err::kInternal:
      break;
  }
  return AwsError("ServerException", e.message, 500, false);
}

namespace {

Result<size_t, AwsError> PageStart(const Value& input) {
  auto it = input.find("nextToken");
  if (it == input.end()) return size_t{0};
  if (it->is_string()) {
    if (auto offset = DecodeOffsetToken(it->get<std::string>())) return *offset;
  }
  return InvalidParameter(
      "Invalid parameter at 'nextToken' failed to satisfy constraint: "
      "'Invalid pagination token'");
}

Result<size_t, AwsError> PageSize(const Value& input, size_t limit) {
  auto it = input.find("maxResults");
  if (it == input.end()) return limit;
  if (!it->is_number_integer() || it->get<int64_t>() < 1 ||
      it->get<int64_t>() > static_cast<int64_t>(limit)) {
    return InvalidParameter(
        "Invalid parameter at 'maxResults' failed to satisfy constraint: "
        "'Member must have value between 1 and " +
        std::to_string(limit) + "'");
  }
  return static_cast<size_t>(it->get<int64_t>());
}

}  // namespace

Result<PageRequest, AwsError> ReadPage(const Value& input) {
  auto start = PageStart(input);
  if (!start.ok()) return start.error();
  auto size = PageSize(input, 1000);
  if (!size.ok()) return size.error();
  return PageRequest{*start, *size};
}

std::string NextToken(size_t offset) { return EncodeOffsetToken(offset); }

namespace {

// "a,b,,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Applies the "ecr" migrations and opens the blob store under <data_dir>/ecr.
Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  Status st = RepoStore::Install(*ctx.db);
  if (!st.ok()) return st;
  auto blobs = store::BlobStore::Open(ctx.data_dir + "/ecr");
  if (!blobs.ok()) return blobs.error();
  auto state = std::make_shared<EcrState>();
  state->blobs = std::move(*blobs);
  state->registry_host = ctx.flags.Str("--registry-host");
  if (state->registry_host.empty())
    state->registry_host = ctx.host + ":" + std::to_string(ctx.port);
  state->core = std::make_unique<EcrCore>(*ctx.db, *state->blobs, *ctx.clock);
  state->uploads = std::make_unique<UploadTable>(*state->blobs, *ctx.clock);
  // With --credentials, /v2/ requires a token from GetAuthorizationToken. Otherwise requests
  // without a valid token act as account 000000000000 in us-east-1.
  state->auth = std::make_unique<RegistryAuth>(state->core->repos(), *ctx.clock, ctx.strict_auth);
  state->disk = std::make_unique<boost::asio::thread_pool>(2);
  state->routes = std::make_unique<OciRoutes>(*state->core, *state->uploads, *state->auth,
                                              state->registry_host, *state->disk);
  // What ECS and Lambda run images with (api/image_reader.h, image/image_cache.h).
  ctx.links.ecr_images = MakeImageReader(std::shared_ptr<EcrCore>(state, state->core.get()));
  image::ImageCacheOptions cache;
  cache.root = ctx.data_dir + "/images";
  cache.registry = ctx.links.ecr_images;
  cache.nimbus_hosts = {state->registry_host, ctx.host + ":" + std::to_string(ctx.port)};
  if (ctx.host == "127.0.0.1")
    cache.nimbus_hosts.push_back("localhost:" + std::to_string(ctx.port));
  cache.plain_http_registries = SplitList(ctx.flags.Str("--image-plain-http-registries"));
  auto behavior = image::ParsePullBehavior(ctx.flags.Str("--image-pull-behavior"));
  if (!behavior.ok()) return behavior.error();
  cache.pull_behavior = *behavior;
  auto images = image::ImageCache::Open(std::move(cache));
  if (!images.ok()) return images.error();
  ctx.links.images = std::move(*images);
  return std::unique_ptr<Provider>(std::make_unique<EcrProvider>(std::move(state)));
}

}  // namespace

ServiceFactory EcrService() {
  return {"ecr",
          {{"--registry-host", "HOST[:PORT]",
            "host in ECR repositoryUri values (default the address served)"},
           {"--image-plain-http-registries", "HOST:PORT,...",
            "loopback registries ECS and Lambda pull images from over plain http (tests, "
            "local mirrors)"},
           {"--image-pull-behavior", "default|always|once|prefer-cached",
            "when a tag of another registry is asked for again once pulled\n"
            "(as the ECS agent's ECS_IMAGE_PULL_BEHAVIOR; default prefer-cached)",
            "prefer-cached"}},
          Create};
}

}  // namespace nimbus::ecr
