// ECR API: BatchCheckLayerAvailability, InitiateLayerUpload, UploadLayerPart,
// CompleteLayerUpload, GetDownloadUrlForLayer.
#include "services/ecr/api.h"
#include "services/ecr/names.h"
#include "services/kit/errors.h"

namespace nimbus::ecr {
namespace {

constexpr int64_t kPartSize = 20971520;  // UploadLayerPart's documented maximum

AwsError UploadNotFound(const std::string& id, const Scope& ns, const std::string& repo) {
  return AwsError("UploadNotFoundException",
                  "Upload with id '" + id + "' is not found in the repository with name '" + repo +
                      "' in the registry with id '" + ns.account + "'");
}

// Exclusive use of upload `id` for one request.
Result<UploadLease, AwsError> Lease(EcrState& s, const Scope& ns, const std::string& repo,
                                    const std::string& id) {
  auto lease = s.uploads->Acquire(ns, repo, id);
  if (lease.ok()) return std::move(*lease);
  if (lease.error().code == Err::kUploadUnknown) return UploadNotFound(id, ns, repo);
  return ApiError(lease.error(), ns, repo);
}

}  // namespace

OpResult BatchCheckLayerAvailability(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  Value layers = Value::array(), failures = Value::array();
  for (const auto& d : in.value("layerDigests", Value::array())) {
    std::string digest = d.is_string() ? d.get<std::string>() : "";
    if (!ValidDigest(digest)) {
      failures.push_back({{"layerDigest", digest},
                          {"failureCode", "InvalidLayerDigest"},
                          {"failureReason", "Invalid layer digest"}});
      continue;
    }
    auto size = s.core->repos().LinkedSize(ns, repo->name, digest);
    if (!size.ok()) return InternalError("ServerException", size.error());
    if (!*size) {
      failures.push_back({{"layerDigest", digest},
                          {"failureCode", "MissingLayerDigest"},
                          {"failureReason", "Could not find layer"}});
      continue;
    }
    layers.push_back({{"layerDigest", digest},
                      {"layerAvailability", "AVAILABLE"},
                      {"layerSize", **size},
                      {"mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip"}});
  }
  return Value{{"layers", layers}, {"failures", failures}};
}

OpResult InitiateLayerUpload(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  auto upload = s.uploads->Start(ScopeOf(call), repo->name);
  if (!upload.ok()) return ApiError(upload.error(), ScopeOf(call), repo->name);
  return Value{{"uploadId", (*upload)->id}, {"partSize", kPartSize}};
}

OpResult UploadLayerPart(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  auto id = RequiredString(in, "uploadId");
  if (!id.ok()) return id.error();
  auto u = Lease(s, ns, repo->name, *id);
  if (!u.ok()) return u.error();
  auto blob = in.find("layerPartBlob");
  if (blob == in.end() || !blob->is_binary()) return InvalidParameter("layerPartBlob is required");
  std::string_view bytes = BlobBytes(*blob);
  int64_t first = in.value("partFirstByte", int64_t{-1});
  int64_t last = in.value("partLastByte", int64_t{-1});
  store::BlobWriter& writer = *(*u)->writer;
  int64_t have = static_cast<int64_t>(writer.size());
  if (first != have || last - first + 1 != static_cast<int64_t>(bytes.size()) ||
      static_cast<int64_t>(bytes.size()) > kPartSize) {
    AwsError e("InvalidLayerPartException",
               "The layer part with first byte " + std::to_string(first) + " and last byte " +
                   std::to_string(last) + " is not valid; the upload has " + std::to_string(have) +
                   " bytes");
    e.fields = {{"registryId", ns.account},
                {"repositoryName", repo->name},
                {"uploadId", *id},
                {"lastValidByteReceived", have - 1}};
    return e;
  }
  writer.Mark();
  Status st = writer.Append(bytes);
  if (!st.ok()) {
    (void)writer.Rewind();  // the part leaves no trace
    return InternalError("ServerException", st);
  }
  return Value{{"registryId", ns.account},
               {"repositoryName", repo->name},
               {"uploadId", *id},
               {"lastByteReceived", static_cast<int64_t>(writer.size()) - 1}};
}

OpResult CompleteLayerUpload(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  auto id = RequiredString(in, "uploadId");
  if (!id.ok()) return id.error();
  auto digests = in.value("layerDigests", Value::array());
  if (digests.size() != 1 || !digests[0].is_string()) {
    return InvalidParameter("layerDigests must hold exactly one digest");
  }
  std::string digest = digests[0].get<std::string>();
  auto u = Lease(s, ns, repo->name, *id);
  if (!u.ok()) return u.error();
  if ((*u)->writer->size() == 0) {
    return AwsError("EmptyUploadException", "The upload with id '" + *id + "' is empty");
  }
  auto linked = s.core->repos().LinkedSize(ns, repo->name, digest);
  bool existed = linked.ok() && linked->has_value();
  auto committed = s.core->CommitBlob(ns, repo->name, *(*u)->writer, digest);
  (*u)->writer.reset();  // committed or discarded: the upload ends with the lease
  if (!committed.ok()) {
    if (committed.error().code == Err::kDigestInvalid) {
      return AwsError("InvalidLayerException", committed.error().message);
    }
    return ApiError(committed.error(), ns, repo->name);
  }
  if (existed) {
    return AwsError("LayerAlreadyExistsException", "The layer with digest '" + digest +
                                                       "' already exists in the repository "
                                                       "with name '" +
                                                       repo->name + "' in the registry with id '" +
                                                       ns.account + "'");
  }
  return Value{{"registryId", ns.account},
               {"repositoryName", repo->name},
               {"uploadId", *id},
               {"layerDigest", *committed}};
}

OpResult GetDownloadUrlForLayer(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  auto digest = RequiredString(in, "layerDigest");
  if (!digest.ok()) return digest.error();
  if (!ValidDigest(*digest)) return InvalidParameter("Invalid layer digest " + *digest);
  auto size = s.core->repos().LinkedSize(ns, repo->name, *digest);
  if (!size.ok() || !*size) {
    return AwsError("LayersNotFoundException", "The layer with digest '" + *digest +
                                                   "' does not exist in the repository "
                                                   "with name '" +
                                                   repo->name + "' in the registry with id '" +
                                                   ns.account + "'");
  }
  return Value{{"downloadUrl", call.endpoint + "/v2/" + repo->name + "/blobs/" + *digest},
               {"layerDigest", *digest}};
}

}  // namespace nimbus::ecr
