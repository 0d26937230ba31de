#include "services/ecr/oci_routes.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/http_body.h"
#include "services/ecr/manifest.h"

namespace nimbus::ecr {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::optional<int64_t> ParseCount(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

HttpResponse JsonOk(const json& body) {
  HttpResponse r = OciEmpty(200);
  r.headers.Add("Content-Type", "application/json");
  r.body = Dump(body);
  return r;
}

// Pages `items` (sorted) after `last`, at most n. Sets `more` when items remain.
std::vector<std::string> Page(const std::vector<std::string>& items, const HttpRequest& req,
                              bool& bad, bool& more, int64_t& n_out) {
  auto n = QueryParam(req, "n");
  auto last = QueryParam(req, "last");
  int64_t limit = 1000;
  bad = false;
  if (n) {
    auto parsed = ParseCount(*n);
    if (!parsed) {
      bad = true;
      return {};
    }
    limit = *parsed;
  }
  n_out = limit;
  auto begin = items.begin();
  if (last) begin = std::upper_bound(items.begin(), items.end(), *last);
  std::vector<std::string> out;
  for (auto it = begin; it != items.end() && static_cast<int64_t>(out.size()) < limit; ++it) {
    out.push_back(*it);
  }
  more = !out.empty() && begin + static_cast<long>(out.size()) != items.end();
  return out;
}

}  // namespace

HttpResponse OciEmpty(int status) {
  HttpResponse r;
  r.status = status;
  r.headers.Add("Docker-Distribution-API-Version", "registry/2.0");
  return r;
}

HttpResponse OciError(int status, std::string_view code, const std::string& message) {
  HttpResponse r = OciEmpty(status);
  r.headers.Add("Content-Type", "application/json");
  r.body = Dump({{"errors", json::array({{{"code", code}, {"message", message}}})}});
  return r;
}

HttpResponse OciError(const CoreError& e) {
  switch (e.code) {
    case Err::kNameUnknown:
      return OciError(404, "NAME_UNKNOWN", e.message);
    case Err::kNameInvalid:
      return OciError(400, "NAME_INVALID", e.message);
    case Err::kManifestUnknown:
      return OciError(404, "MANIFEST_UNKNOWN", e.message);
    case Err::kManifestInvalid:
      return OciError(400, "MANIFEST_INVALID", e.message);
    case Err::kManifestBlobUnknown:
      return OciError(400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry: " + e.message);
    case Err::kTagInvalid:
    case Err::kTagImmutable:
      return OciError(400, "TAG_INVALID", e.message);
    case Err::kDigestInvalid:
      return OciError(400, "DIGEST_INVALID", e.message);
    case Err::kBlobUnknown:
      return OciError(404, "BLOB_UNKNOWN", e.message);
    case Err::kUploadUnknown:
      return OciError(404, "BLOB_UPLOAD_UNKNOWN", e.message);
    case Err::kUploadInvalid:
      return OciError(400, "BLOB_UPLOAD_INVALID", e.message);
    case Err::kRangeInvalid:
      return OciError(416, "BLOB_UPLOAD_INVALID", e.message);
    case Err::kSizeInvalid:
      return OciError(400, "SIZE_INVALID", e.message);
    case Err::kUnsupported:
      return OciError(405, "UNSUPPORTED", e.message);
    case Err::kTooLarge:
      return OciError(413, "SIZE_INVALID", e.message);
    case Err::kReferencedByIndex:
      return OciError(409, "DENIED", e.message);
    case Err::kInternal:
      break;
  }
  return OciError(500, "UNKNOWN", e.message);
}

std::string UploadLocation(const std::string& name, const std::string& id) {
  return "/v2/" + name + "/blobs/uploads/" + id;
}

std::string RangeValue(uint64_t size) { return "0-" + std::to_string(size == 0 ? 0 : size - 1); }

bool ParseU64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::optional<std::string> QueryParam(const HttpRequest& req, std::string_view name) {
  for (auto& [k, v] : ParseQueryString(req.query)) {
    if (k == name) return v;
  }
  return std::nullopt;
}

boost::asio::awaitable<HttpResponse> OciRoutes::Handle(HttpRequest& req) {
  auto ns = auth_.Authorize(req);
  if (!ns) {
    HttpResponse r = OciError(401, "UNAUTHORIZED", "authentication required");
    r.headers.Add("WWW-Authenticate",
                  "Basic realm=\"https://" + registry_host_ + "/\",service=\"ecr.amazonaws.com\"");
    co_return r;
  }
  auto path = ParseV2Path(req.path);
  if (!path) co_return OciError(404, "NAME_UNKNOWN", "no such registry endpoint: " + req.path);
  if (path->kind != V2Kind::kBase && path->kind != V2Kind::kCatalog && !ValidRepoName(path->name)) {
    co_return OciError(400, "NAME_INVALID", "invalid repository name: " + path->name);
  }
  const std::string& m = req.method;
  HttpResponse r;
  if (path->kind == V2Kind::kUploadStart && m == "POST") {
    r = co_await StartUpload(req, *ns, *path);
  } else if (path->kind == V2Kind::kUpload && m == "PATCH") {
    r = co_await PatchUpload(req, *ns, *path);
  } else if (path->kind == V2Kind::kUpload && m == "PUT") {
    r = co_await PutUpload(req, *ns, *path);
  } else {
    if (!co_await ReadRequestBody(req)) co_return HttpResponse{};  // the server answers
    r = Dispatch(req, *ns, *path);
  }
  r.operation = "ECR.Registry";
  co_return r;
}

HttpResponse OciRoutes::Dispatch(const HttpRequest& req, const Scope& ns, const V2Path& path) {
  const std::string& m = req.method;
  bool read = m == "GET" || m == "HEAD";
  switch (path.kind) {
    case V2Kind::kBase:
      if (read) return JsonOk(json::object());
      break;
    case V2Kind::kCatalog:
      if (read) return Catalog(req, ns);
      break;
    case V2Kind::kBlob:
      if (read) return GetBlob(req, ns, path);
      if (m == "DELETE") return DeleteBlob(ns, path);
      break;
    case V2Kind::kUploadStart:
      break;               // POST: Handle
    case V2Kind::kUpload:  // PATCH, PUT: Handle
      if (read) return UploadStatus(ns, path, false);
      if (m == "DELETE") return UploadStatus(ns, path, true);
      break;
    case V2Kind::kManifest:
      if (read) return GetManifest(req, ns, path);
      if (m == "PUT") return PutManifest(req, ns, path);
      if (m == "DELETE") return DeleteManifest(ns, path);
      break;
    case V2Kind::kTagsList:
      if (read) return TagsList(req, ns, path);
      break;
    case V2Kind::kReferrers:
      if (read) return Referrers(req, ns, path);
      break;
  }
  return OciError(405, "UNSUPPORTED", m + " is not supported on " + req.path);
}

HttpResponse OciRoutes::Catalog(const HttpRequest& req, const Scope& ns) {
  auto repos = core_.repos().ListRepos(ns);
  if (!repos.ok()) return OciError(CoreError{Err::kInternal, repos.error().ToString()});
  std::vector<std::string> names;
  for (const auto& r : *repos) names.push_back(r.name);
  bool bad = false, more = false;
  int64_t n = 0;
  auto page = Page(names, req, bad, more, n);
  if (bad) return OciError(400, "PAGINATION_NUMBER_INVALID", "n must be a non-negative integer");
  HttpResponse r = JsonOk({{"repositories", page}});
  if (more) {
    r.headers.Add("Link", "</v2/_catalog?n=" + std::to_string(n) +
                              "&last=" + PercentEncode(page.back()) + ">; rel=\"next\"");
  }
  return r;
}

HttpResponse OciRoutes::TagsList(const HttpRequest& req, const Scope& ns, const V2Path& path) {
  auto repo = core_.Repo(ns, path.name);
  if (!repo.ok()) return OciError(repo.error());
  auto images = core_.repos().ListImages(ns, path.name);
  if (!images.ok()) return OciError(CoreError{Err::kInternal, images.error().ToString()});
  std::vector<std::string> tags;
  for (const auto& image : *images) tags.insert(tags.end(), image.tags.begin(), image.tags.end());
  std::sort(tags.begin(), tags.end());
  bool bad = false, more = false;
  int64_t n = 0;
  auto page = Page(tags, req, bad, more, n);
  if (bad) return OciError(400, "PAGINATION_NUMBER_INVALID", "n must be a non-negative integer");
  HttpResponse r = JsonOk({{"name", path.name}, {"tags", page}});
  if (more) {
    r.headers.Add("Link", "</v2/" + path.name + "/tags/list?n=" + std::to_string(n) +
                              "&last=" + PercentEncode(page.back()) + ">; rel=\"next\"");
  }
  return r;
}

HttpResponse OciRoutes::Referrers(const HttpRequest& req, const Scope& ns, const V2Path& path) {
  if (!ValidDigest(path.ref)) return OciError(400, "DIGEST_INVALID", "invalid digest " + path.ref);
  auto repo = core_.Repo(ns, path.name);
  if (!repo.ok()) return OciError(repo.error());
  auto images = core_.repos().Referrers(ns, path.name, path.ref);
  if (!images.ok()) return OciError(CoreError{Err::kInternal, images.error().ToString()});
  auto filter = QueryParam(req, "artifactType");
  json manifests = json::array();
  for (const auto& image : *images) {
    if (filter && image.artifact_type != *filter) continue;
    auto size = core_.blobs().Size(image.digest);
    json d = {{"mediaType", image.media_type},
              {"digest", image.digest},
              {"size", size.ok() ? static_cast<int64_t>(*size) : 0}};
    if (!image.artifact_type.empty()) d["artifactType"] = image.artifact_type;
    if (!image.annotations_json.empty()) {
      json ann = json::parse(image.annotations_json, nullptr, false);
      if (ann.is_object()) d["annotations"] = ann;
    }
    manifests.push_back(std::move(d));
  }
  HttpResponse r = OciEmpty(200);
  r.headers.Add("Content-Type", std::string(kOciIndex));
  if (filter) r.headers.Add("OCI-Filters-Applied", "artifactType");
  r.body = Dump({{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", manifests}});
  return r;
}

}  // namespace nimbus::ecr
