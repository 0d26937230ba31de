// /v2/<name>/blobs/<digest>: blob GET/HEAD (sendfile) with Range, DELETE.
#include "services/ecr/oci_routes.h"

namespace nimbus::ecr {
namespace {

// "bytes=a-b", "bytes=a-", "bytes=-n" against `size`. Returns false when unsatisfiable or
// malformed; `whole` when the header should be ignored (multiple ranges).
bool ParseRange(std::string_view h, uint64_t size, uint64_t& first, uint64_t& last, bool& whole) {
  whole = false;
  if (!h.starts_with("bytes=")) return false;
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) {
    whole = true;
    return true;
  }
  size_t dash = h.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view a = h.substr(0, dash), b = h.substr(dash + 1);
  if (a.empty()) {
    uint64_t n = 0;
    if (!ParseU64(b, n) || n == 0 || size == 0) return false;
    first = n >= size ? 0 : size - n;
    last = size - 1;
    return true;
  }
  if (!ParseU64(a, first) || first >= size) return false;
  if (b.empty()) {
    last = size - 1;
  } else if (!ParseU64(b, last) || last < first) {
    return false;
  }
  if (last >= size) last = size - 1;
  return true;
}

}  // namespace

HttpResponse OciRoutes::GetBlob(const HttpRequest& req, const Scope& ns, const V2Path& path) {
  auto blob = core_.Blob(ns, path.name, path.ref);
  if (!blob.ok()) return OciError(blob.error());
  uint64_t size = static_cast<uint64_t>(blob->size);
  HttpResponse r = OciEmpty(200);
  r.headers.Add("Content-Type", "application/octet-stream");
  r.headers.Add("Docker-Content-Digest", path.ref);
  r.headers.Add("ETag", "\"" + path.ref + "\"");
  r.headers.Add("Accept-Ranges", "bytes");
  r.headers.Add("Cache-Control", "max-age=31536000");
  r.file = HttpFileBody{blob->path, 0, size};
  std::string_view range = req.headers.Get("Range");
  if (!range.empty()) {
    uint64_t first = 0, last = 0;
    bool whole = false;
    if (!ParseRange(range, size, first, last, whole)) {
      HttpResponse e = OciError(416, "BLOB_UNKNOWN", "requested range not satisfiable");
      e.headers.Add("Content-Range", "bytes */" + std::to_string(size));
      return e;
    }
    if (!whole) {
      r.status = 206;
      r.file.offset = first;
      r.file.length = last - first + 1;
      r.headers.Add("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                         "/" + std::to_string(size));
    }
  }
  return r;
}

HttpResponse OciRoutes::DeleteBlob(const Scope& ns, const V2Path& path) {
  auto done = core_.DeleteBlob(ns, path.name, path.ref);
  if (!done.ok()) return OciError(done.error());
  return OciEmpty(202);
}

}  // namespace nimbus::ecr
