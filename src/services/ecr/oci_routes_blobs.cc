// /v2/<name>/blobs/...: blob GET/HEAD with Range, DELETE, and upload sessions (monolithic,
// chunked, resumable status, cross-repository mount).
#include <charconv>
#include <mutex>

#include "services/ecr/oci_routes.h"

namespace nimbus::ecr {
namespace {

std::optional<std::string> QueryParam(const HttpRequest& req, std::string_view name) {
  for (auto& [k, v] : ParseQueryString(req.query)) {
    if (k == name) return v;
  }
  return std::nullopt;
}

bool ParseU64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

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

// Content-Range of a PATCH: "<start>-<end>" (a "bytes=" or "bytes " prefix is tolerated).
bool ParseContentRange(std::string_view h, uint64_t& start, uint64_t& end) {
  if (h.starts_with("bytes=") || h.starts_with("bytes ")) h.remove_prefix(6);
  size_t slash = h.find('/');
  if (slash != std::string_view::npos) h = h.substr(0, slash);
  size_t dash = h.find('-');
  if (dash == std::string_view::npos) return false;
  return ParseU64(h.substr(0, dash), start) && ParseU64(h.substr(dash + 1), end) && end >= start;
}

HttpResponse UploadAccepted(int status, const std::string& name, const Upload& u) {
  HttpResponse r = OciEmpty(status);
  r.headers.Add("Location", UploadLocation(name, u.id));
  r.headers.Add("Range", RangeValue(u.writer ? u.writer->size() : 0));
  r.headers.Add("Docker-Upload-UUID", u.id);
  return r;
}

HttpResponse BlobCreated(const std::string& name, const std::string& digest) {
  HttpResponse r = OciEmpty(201);
  r.headers.Add("Location", "/v2/" + name + "/blobs/" + digest);
  r.headers.Add("Docker-Content-Digest", digest);
  return r;
}

}  // namespace

HttpResponse OciRoutes::GetBlob(const HttpRequest& req, const Ns& ns, const V2Path& path) {
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

HttpResponse OciRoutes::DeleteBlob(const Ns& ns, const V2Path& path) {
  auto done = core_.DeleteBlob(ns, path.name, path.ref);
  if (!done.ok()) return OciError(done.error());
  return OciEmpty(202);
}

HttpResponse OciRoutes::StartUpload(const HttpRequest& req, const Ns& ns, const V2Path& path) {
  auto repo = core_.Repo(ns, path.name);
  if (!repo.ok()) return OciError(repo.error());
  auto mount = QueryParam(req, "mount");
  auto from = QueryParam(req, "from");
  if (mount && from && ValidRepoName(*from)) {
    auto mounted = core_.Mount(ns, path.name, *from, *mount);
    if (mounted.ok()) return BlobCreated(path.name, *mount);
    // Cannot mount: fall back to a normal upload session, as the spec recommends.
  }
  auto digest = QueryParam(req, "digest");
  auto upload = uploads_.Start(ns, path.name);
  if (!upload.ok()) return OciError(CoreError{Err::kInternal, upload.error().ToString()});
  std::shared_ptr<Upload> u = *upload;
  if (!digest) return UploadAccepted(202, path.name, *u);
  // Monolithic single POST: the body is the whole blob.
  std::unique_lock lock(u->mu);
  Status st = u->writer->Append(req.body);
  if (!st.ok()) {
    lock.unlock();
    uploads_.Remove(u->id);
    return OciError(CoreError{Err::kInternal, st.ToString()});
  }
  auto committed = core_.CommitBlob(ns, path.name, *u->writer, *digest);
  u->writer.reset();
  lock.unlock();  // Remove takes the session lock too
  uploads_.Remove(u->id);
  if (!committed.ok()) return OciError(committed.error());
  return BlobCreated(path.name, *committed);
}

HttpResponse OciRoutes::PatchUpload(const HttpRequest& req, const Ns& ns, const V2Path& path) {
  auto u = uploads_.Find(ns, path.name, path.ref);
  if (!u) return OciError(404, "BLOB_UPLOAD_UNKNOWN", "upload " + path.ref + " is unknown");
  std::lock_guard lock(u->mu);
  if (!u->writer) return OciError(404, "BLOB_UPLOAD_UNKNOWN", "upload " + path.ref + " is done");
  std::string_view cr = req.headers.Get("Content-Range");
  if (!cr.empty()) {
    uint64_t start = 0, end = 0;
    if (!ParseContentRange(cr, start, end)) {
      return OciError(400, "BLOB_UPLOAD_INVALID", "malformed Content-Range " + std::string(cr));
    }
    if (start != u->writer->size()) {
      HttpResponse r = OciError(416, "BLOB_UPLOAD_INVALID",
                                "chunk starts at " + std::to_string(start) + ", expected " +
                                    std::to_string(u->writer->size()));
      r.headers.Add("Location", UploadLocation(path.name, u->id));
      r.headers.Add("Range", RangeValue(u->writer->size()));
      return r;
    }
    if (end - start + 1 != req.body.size()) {
      return OciError(400, "BLOB_UPLOAD_INVALID",
                      "Content-Range " + std::string(cr) + " does not match a body of " +
                          std::to_string(req.body.size()) + " bytes");
    }
  }
  Status st = u->writer->Append(req.body);
  if (!st.ok()) return OciError(CoreError{Err::kInternal, st.ToString()});
  return UploadAccepted(202, path.name, *u);
}

HttpResponse OciRoutes::PutUpload(const HttpRequest& req, const Ns& ns, const V2Path& path) {
  auto u = uploads_.Find(ns, path.name, path.ref);
  if (!u) return OciError(404, "BLOB_UPLOAD_UNKNOWN", "upload " + path.ref + " is unknown");
  auto digest = QueryParam(req, "digest");
  if (!digest) return OciError(400, "DIGEST_INVALID", "the digest query parameter is required");
  std::unique_lock lock(u->mu);
  if (!u->writer) return OciError(404, "BLOB_UPLOAD_UNKNOWN", "upload " + path.ref + " is done");
  std::string_view cr = req.headers.Get("Content-Range");
  if (!cr.empty() && !req.body.empty()) {
    uint64_t start = 0, end = 0;
    if (!ParseContentRange(cr, start, end) || start != u->writer->size() ||
        end - start + 1 != req.body.size()) {
      return OciError(416, "BLOB_UPLOAD_INVALID", "Content-Range does not continue the upload");
    }
  }
  if (!req.body.empty()) {
    Status st = u->writer->Append(req.body);
    if (!st.ok()) return OciError(CoreError{Err::kInternal, st.ToString()});
  }
  auto committed = core_.CommitBlob(ns, path.name, *u->writer, *digest);
  u->writer.reset();
  lock.unlock();
  uploads_.Remove(u->id);
  if (!committed.ok()) return OciError(committed.error());
  return BlobCreated(path.name, *committed);
}

HttpResponse OciRoutes::UploadStatus(const Ns& ns, const V2Path& path, bool cancel) {
  auto u = uploads_.Find(ns, path.name, path.ref);
  if (!u) return OciError(404, "BLOB_UPLOAD_UNKNOWN", "upload " + path.ref + " is unknown");
  if (cancel) {
    uploads_.Remove(u->id);
    return OciEmpty(204);
  }
  std::lock_guard lock(u->mu);
  return UploadAccepted(204, path.name, *u);
}

}  // namespace nimbus::ecr
