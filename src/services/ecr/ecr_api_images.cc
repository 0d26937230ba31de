// ECR API: ListImages, DescribeImages, BatchGetImage, BatchDeleteImage, PutImage.
#include <algorithm>
#include <functional>
#include <optional>

#include "auth/crypto.h"
#include "services/ecr/api.h"
#include "services/ecr/names.h"
#include "services/kit/errors.h"

namespace nimbus::ecr {
namespace {

struct Failure {
  std::string code;
  std::string reason;
};

AwsError Server(const Status& st) { return InternalError("ServerException", st); }

// The image `id` ({imageDigest?, imageTag?}) names in `repo`.
Result<ImageRow, Failure> Resolve(EcrState& s, const Scope& ns, const std::string& repo,
                                  const Value& id) {
  std::string digest = id.is_object() ? id.value("imageDigest", "") : "";
  std::string tag = id.is_object() ? id.value("imageTag", "") : "";
  if (digest.empty() && tag.empty()) {
    return Failure{"MissingDigestAndTag",
                   "Invalid request parameters: both tag and digest cannot be null"};
  }
  if (!digest.empty() && !ValidDigest(digest)) {
    return Failure{"InvalidImageDigest",
                   "Invalid request parameters: image digest should satisfy "
                   "the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'"};
  }
  if (!tag.empty()) {
    if (!ValidTag(tag)) return Failure{"InvalidImageTag", "Invalid request parameters: image tag"};
    auto resolved = s.core->repos().ResolveTag(ns, repo, tag);
    if (!resolved.ok()) return Failure{"ServerError", resolved.error().ToString()};
    if (!*resolved) return Failure{"ImageNotFound", "Requested image not found"};
    if (!digest.empty() && **resolved != digest) {
      return Failure{"ImageTagDoesNotMatchDigest",
                     "Invalid request parameters: given tag does "
                     "not map to the given digest"};
    }
    digest = **resolved;
  }
  auto image = s.core->repos().GetImage(ns, repo, digest);
  if (!image.ok()) return Failure{"ServerError", image.error().ToString()};
  if (!*image) return Failure{"ImageNotFound", "Requested image not found"};
  return std::move(**image);
}

Value FailureValue(const Value& id, const Failure& f) {
  return {{"imageId", id}, {"failureCode", f.code}, {"failureReason", f.reason}};
}

using ImageVisitor = std::function<std::optional<AwsError>(const Value& id, ImageRow& image)>;

// Resolves the image ids of `ids` in order: one that names no image (or is malformed) becomes
// an entry of `failures`; `each` gets the others and may end the walk with an error.
std::optional<AwsError> ForEachImage(EcrState& s, const Scope& ns, const std::string& repo,
                                     const Value& ids, Value& failures, const ImageVisitor& each) {
  if (!ids.is_array()) return std::nullopt;
  for (const auto& id : ids) {
    auto image = Resolve(s, ns, repo, id);
    if (!image.ok()) {
      failures.push_back(FailureValue(id, image.error()));
      continue;
    }
    if (auto error = each(id, *image)) return error;
  }
  return std::nullopt;
}

Value Detail(const Scope& ns, const std::string& repo, const ImageRow& i) {
  Value d = {{"registryId", ns.account},
             {"repositoryName", repo},
             {"imageDigest", i.digest},
             {"imageSizeInBytes", i.size},
             {"imagePushedAt", static_cast<double>(i.pushed_ms) / 1000.0},
             {"imageManifestMediaType", i.media_type}};
  if (!i.tags.empty()) d["imageTags"] = i.tags;
  if (!i.artifact_type.empty()) d["artifactMediaType"] = i.artifact_type;
  if (i.pulled_ms > 0) d["lastRecordedPullTime"] = static_cast<double>(i.pulled_ms) / 1000.0;
  if (!i.subject.empty()) d["subjectManifestDigest"] = i.subject;
  return d;
}

// filter.tagStatus: TAGGED, UNTAGGED or ANY (default).
Result<std::string, AwsError> TagStatus(const Value& in) {
  auto f = in.find("filter");
  if (f == in.end() || !f->is_object() || !f->contains("tagStatus")) return std::string("ANY");
  std::string ts = (*f)["tagStatus"].is_string() ? (*f)["tagStatus"].get<std::string>() : "";
  if (ts == "TAGGED" || ts == "UNTAGGED" || ts == "ANY") return ts;
  return InvalidParameter(
      "Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: "
      "'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'");
}

bool Keep(const std::string& status, const ImageRow& i) {
  return status == "ANY" || (status == "TAGGED") == !i.tags.empty();
}

}  // namespace

OpResult ListImages(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  auto status = TagStatus(in);
  if (!status.ok()) return status.error();
  auto page = ReadPage(in);
  if (!page.ok()) return page.error();
  auto images = s.core->repos().ListImages(ScopeOf(call), repo->name);
  if (!images.ok()) return Server(images.error());
  Value ids = Value::array();
  for (const auto& i : *images) {
    if (!Keep(*status, i)) continue;
    if (i.tags.empty()) ids.push_back({{"imageDigest", i.digest}});
    for (const auto& tag : i.tags) ids.push_back({{"imageDigest", i.digest}, {"imageTag", tag}});
  }
  return PageOut(*page, ids.size(), "imageIds", [&](size_t k) { return ids[k]; });
}

OpResult DescribeImages(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  Value details = Value::array();
  if (auto ids = in.find("imageIds"); ids != in.end() && ids->is_array()) {
    if (in.contains("maxResults")) {
      return InvalidParameter("maxResults cannot be combined with imageIds");
    }
    Value failures = Value::array();
    (void)ForEachImage(s, ns, repo->name, *ids, failures,
                       [&](const Value&, ImageRow& image) -> std::optional<AwsError> {
                         details.push_back(Detail(ns, repo->name, image));
                         return std::nullopt;
                       });
    if (failures.empty()) return Value{{"imageDetails", details}};
    const Value& first = failures[0];  // DescribeImages fails as a whole
    if (first["failureCode"] != "ImageNotFound") {
      return InvalidParameter(first["failureReason"].get<std::string>());
    }
    return AwsError("ImageNotFoundException",
                    "The image with imageId " + first["imageId"].dump() +
                        " does not exist within the repository with name '" + repo->name +
                        "' in the registry with id '" + ns.account + "'");
  }
  auto status = TagStatus(in);
  if (!status.ok()) return status.error();
  auto page = ReadPage(in);
  if (!page.ok()) return page.error();
  auto images = s.core->repos().ListImages(ns, repo->name);
  if (!images.ok()) return Server(images.error());
  std::vector<const ImageRow*> kept;
  for (const auto& i : *images) {
    if (Keep(*status, i)) kept.push_back(&i);
  }
  return PageOut(*page, kept.size(), "imageDetails",
                 [&](size_t k) { return Detail(ns, repo->name, *kept[k]); });
}

OpResult BatchGetImage(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  Value images = Value::array(), failures = Value::array();
  auto get = [&](const Value& id, ImageRow& image) -> std::optional<AwsError> {
    auto m = s.core->GetManifest(ns, repo->name, image.digest, /*record_pull=*/true);
    if (!m.ok()) {
      failures.push_back(FailureValue(id, {"ImageNotFound", "Requested image not found"}));
      return std::nullopt;
    }
    Value image_id = {{"imageDigest", image.digest}};
    if (id.contains("imageTag")) image_id["imageTag"] = id["imageTag"];
    images.push_back({{"registryId", ns.account},
                      {"repositoryName", repo->name},
                      {"imageId", image_id},
                      {"imageManifest", m->bytes},
                      {"imageManifestMediaType", m->media_type}});
    return std::nullopt;
  };
  (void)ForEachImage(s, ns, repo->name, in.value("imageIds", Value::array()), failures, get);
  return Value{{"images", images}, {"failures", failures}};
}

OpResult BatchDeleteImage(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  Value deleted = Value::array(), failures = Value::array();
  auto remove = [&](const Value& id, ImageRow& image) -> std::optional<AwsError> {
    std::string tag = id.value("imageTag", "");
    std::vector<std::string> remaining = image.tags;
    if (!tag.empty() && !id.contains("imageDigest")) {
      // By tag: only that tag goes; the image goes with its last tag.
      Status st = s.core->repos().DeleteTag(ns, repo->name, tag);
      if (!st.ok()) return Server(st);
      std::erase(remaining, tag);
      deleted.push_back({{"imageDigest", image.digest}, {"imageTag", tag}});
      if (!remaining.empty()) return std::nullopt;
    } else {
      for (const auto& t2 : image.tags) {
        deleted.push_back({{"imageDigest", image.digest}, {"imageTag", t2}});
      }
      if (image.tags.empty()) deleted.push_back({{"imageDigest", image.digest}});
    }
    auto done = s.core->DeleteImages(ns, repo->name, {image.digest});
    if (done.ok()) return std::nullopt;
    if (done.error().code != Err::kReferencedByIndex) {
      return ApiError(done.error(), ns, repo->name);
    }
    failures.push_back(FailureValue(id, {"ImageReferencedByManifestList", done.error().message}));
    return std::nullopt;
  };
  auto error =
      ForEachImage(s, ns, repo->name, in.value("imageIds", Value::array()), failures, remove);
  if (error) return *error;
  return Value{{"imageIds", deleted}, {"failures", failures}};
}

OpResult PutImage(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  auto manifest = RequiredString(in, "imageManifest");
  if (!manifest.ok()) return manifest.error();
  std::string tag = in.value("imageTag", "");
  std::string expected = in.value("imageDigest", "");
  std::string digest = "sha256:" + auth::Sha256Hex(*manifest);
  if (!expected.empty() && expected != digest) {
    return AwsError("ImageDigestDoesNotMatchException",
                    "Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The "
                    "provided digest " +
                        expected +
                        " does not match the digest of the "
                        "manifest " +
                        digest + "'");
  }
  if (!tag.empty() && !ValidTag(tag)) {
    return InvalidParameter(
        "Invalid parameter at 'imageTag' failed to satisfy constraint: "
        "'must satisfy regular expression '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}''");
  }
  std::string media_type = in.value("imageManifestMediaType", "");
  auto put = s.core->PutManifest(ns, repo->name, tag.empty() ? digest : tag, *manifest, media_type);
  if (!put.ok()) {
    if (put.error().code == Err::kManifestInvalid) {
      return InvalidParameter(
          "Invalid parameter at 'ImageManifest' failed to satisfy "
          "constraint: '" +
          put.error().message + "'");
    }
    return ApiError(put.error(), ns, repo->name);
  }
  if (put->existed) {
    return AwsError("ImageAlreadyExistsException",
                    "Image with digest '" + digest + "'" +
                        (tag.empty() ? "" : " and tag '" + tag + "'") +
                        " already exists in the repository with name '" + repo->name +
                        "' in registry with id '" + ns.account + "'");
  }
  auto stored = s.core->repos().GetImage(ns, repo->name, digest);
  Value image_id = {{"imageDigest", digest}};
  if (!tag.empty()) image_id["imageTag"] = tag;
  Value image = {{"registryId", ns.account},
                 {"repositoryName", repo->name},
                 {"imageId", image_id},
                 {"imageManifest", *manifest}};
  if (stored.ok() && *stored) image["imageManifestMediaType"] = (*stored)->media_type;
  return Value{{"image", image}};
}

}  // namespace nimbus::ecr
