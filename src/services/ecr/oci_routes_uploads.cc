// /v2/<name>/blobs/uploads/...: upload sessions (monolithic POST, chunked PATCH with
// Content-Range, closing PUT, status, cancel, cross-repository mount). Bodies stream from the
// connection to the session's file; a body that fails half-way (peer gone, wrong length) is
// cut off again, so the session stays where the last good request left it.
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/http_body.h"
#include "services/ecr/oci_routes.h"

namespace nimbus::ecr {
namespace {

namespace asio = boost::asio;

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

// The body's declared length: Content-Length, or the size of a body already read.
std::optional<uint64_t> DeclaredLength(const HttpRequest& req) {
  if (req.body_stream != nullptr) return req.body_stream->length();
  return req.body.size();
}

// Checks a chunk's Content-Range (when given) against the session: nullopt when the body may
// be appended, with `expect` set to the length the range announces; else the error response.
std::optional<HttpResponse> CheckRange(const HttpRequest& req, const std::string& name,
                                       const Upload& u, std::optional<uint64_t>& expect) {
  std::string_view cr = req.headers.Get("Content-Range");
  if (cr.empty()) return std::nullopt;
  uint64_t start = 0, end = 0;
  if (!ParseContentRange(cr, start, end)) {
    return OciError(400, "BLOB_UPLOAD_INVALID", "malformed Content-Range " + std::string(cr));
  }
  uint64_t have = u.writer->size();
  if (start != have) {
    HttpResponse r =
        OciError(416, "BLOB_UPLOAD_INVALID",
                 "chunk starts at " + std::to_string(start) + ", expected " + std::to_string(have));
    r.headers.Add("Location", UploadLocation(name, u.id));
    r.headers.Add("Range", RangeValue(have));
    return r;
  }
  expect = end - start + 1;
  auto declared = DeclaredLength(req);
  if (declared && *declared != *expect) {
    return OciError(400, "BLOB_UPLOAD_INVALID",
                    "Content-Range " + std::string(cr) + " does not match a body of " +
                        std::to_string(*declared) + " bytes");
  }
  return std::nullopt;
}

// Appends the request body to `w` as it arrives (exactly `expect` bytes when set). nullopt
// when all of it was stored; otherwise the response to give (an empty one when the body could
// not be read: the server answers then), after cutting off what this body had appended.
asio::awaitable<std::optional<HttpResponse>> AppendBody(HttpRequest& req, store::BlobWriter& w,
                                                        std::optional<uint64_t> expect) {
  w.Mark();
  uint64_t got = 0;
  std::optional<HttpResponse> failure;
  auto append = [&](std::string_view piece) {
    got += piece.size();
    if (expect && got > *expect) {
      failure = OciError(400, "BLOB_UPLOAD_INVALID", "the body is longer than its Content-Range");
      return;
    }
    Status st = w.Append(piece);
    if (!st.ok()) failure = OciError(CoreError{Err::kInternal, st.ToString()});
  };
  if (req.body_stream == nullptr) {
    append(req.body);
  } else {
    while (!failure) {
      auto piece = co_await req.body_stream->Next();
      if (!piece) {
        failure = HttpResponse{};
      } else if (piece->empty()) {
        break;
      } else {
        append(*piece);
      }
    }
  }
  if (!failure && expect && got != *expect) {
    failure = OciError(400, "BLOB_UPLOAD_INVALID",
                       "the body has " + std::to_string(got) + " bytes, its Content-Range " +
                           std::to_string(*expect));
  }
  if (failure) (void)w.Rewind();  // a failed rewind leaves the writer failed: commit refuses it
  co_return failure;
}

// Runs `work` (blocking disk I/O) on `pool`; the coroutine resumes on its own executor.
template <typename Work>
asio::awaitable<void> OffLoop(asio::thread_pool& pool, Work& work) {
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [&pool, &work](auto handler) {
        asio::post(pool, [&work, handler = std::move(handler)]() mutable {
          work();
          auto executor = asio::get_associated_executor(handler);
          asio::post(executor, std::move(handler));
        });
      },
      asio::use_awaitable);
}

}  // namespace

asio::awaitable<HttpResponse> OciRoutes::CommitUpload(UploadLease& lease, const Scope& ns,
                                                      const std::string& name,
                                                      const std::string& digest) {
  std::optional<CoreResult<std::string>> committed;
  auto commit = [&] { committed.emplace(core_.CommitBlob(ns, name, *lease->writer, digest)); };
  co_await OffLoop(disk_, commit);
  lease->writer.reset();  // committed or discarded: the session ends with the lease
  if (!committed->ok()) co_return OciError(committed->error());
  co_return BlobCreated(name, **committed);
}

asio::awaitable<HttpResponse> OciRoutes::StartUpload(HttpRequest& req, const Scope& ns,
                                                     const V2Path& path) {
  auto repo = core_.Repo(ns, path.name);
  if (!repo.ok()) co_return OciError(repo.error());
  auto mount = QueryParam(req, "mount");
  auto from = QueryParam(req, "from");
  if (mount && from && ValidRepoName(*from)) {
    auto mounted = core_.Mount(ns, path.name, *from, *mount);
    if (mounted.ok()) co_return BlobCreated(path.name, *mount);
    // Cannot mount: fall back to a normal upload session, as the spec recommends.
  }
  auto digest = QueryParam(req, "digest");
  auto started = uploads_.Start(ns, path.name);
  if (!started.ok()) co_return OciError(started.error());
  UploadLease lease = std::move(*started);
  if (!digest) co_return UploadAccepted(202, path.name, *lease);
  // Monolithic single POST: the body is the whole blob.
  auto failed = co_await AppendBody(req, *lease->writer, std::nullopt);
  if (failed) {
    UploadTable::Abort(lease);
    co_return std::move(*failed);
  }
  co_return co_await CommitUpload(lease, ns, path.name, *digest);
}

asio::awaitable<HttpResponse> OciRoutes::PatchUpload(HttpRequest& req, const Scope& ns,
                                                     const V2Path& path) {
  auto acquired = uploads_.Acquire(ns, path.name, path.ref);
  if (!acquired.ok()) co_return OciError(acquired.error());
  UploadLease lease = std::move(*acquired);
  std::optional<uint64_t> expect;
  if (auto bad = CheckRange(req, path.name, *lease, expect)) co_return std::move(*bad);
  auto failed = co_await AppendBody(req, *lease->writer, expect);
  if (failed) co_return std::move(*failed);
  co_return UploadAccepted(202, path.name, *lease);
}

asio::awaitable<HttpResponse> OciRoutes::PutUpload(HttpRequest& req, const Scope& ns,
                                                   const V2Path& path) {
  auto acquired = uploads_.Acquire(ns, path.name, path.ref);
  if (!acquired.ok()) co_return OciError(acquired.error());
  UploadLease lease = std::move(*acquired);
  auto digest = QueryParam(req, "digest");
  if (!digest) co_return OciError(400, "DIGEST_INVALID", "the digest query parameter is required");
  std::optional<uint64_t> expect;
  auto declared = DeclaredLength(req);
  if (!declared || *declared > 0) {  // a closing PUT may carry the last chunk
    if (auto bad = CheckRange(req, path.name, *lease, expect)) co_return std::move(*bad);
  }
  auto failed = co_await AppendBody(req, *lease->writer, expect);
  if (failed) co_return std::move(*failed);
  co_return co_await CommitUpload(lease, ns, path.name, *digest);
}

HttpResponse OciRoutes::UploadStatus(const Scope& ns, const V2Path& path, bool cancel) {
  auto acquired = uploads_.Acquire(ns, path.name, path.ref);
  if (!acquired.ok()) return OciError(acquired.error());
  UploadLease lease = std::move(*acquired);
  if (!cancel) return UploadAccepted(204, path.name, *lease);
  UploadTable::Abort(lease);
  return OciEmpty(204);
}

}  // namespace nimbus::ecr
