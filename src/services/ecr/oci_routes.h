// The OCI Distribution Spec v1.1 endpoints under /v2/, on top of EcrCore and UploadTable.
// Errors are the spec's JSON bodies ({"errors":[{code,message,detail}]}); every response has
// Docker-Distribution-API-Version: registry/2.0. Blob GETs stream from disk (sendfile) and honour
// a single Range. Upload bodies (POST, PATCH, PUT) stream to disk as they arrive
// (HttpBodyStream); a body that fails half-way is undone. Thread-safe; handlers do blocking file
// and SQLite I/O on the calling thread.
#pragma once

#include <optional>
#include <string>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/http.h"
#include "services/ecr/core.h"
#include "services/ecr/names.h"
#include "services/ecr/registry_auth.h"
#include "services/ecr/uploads.h"

namespace nimbus::ecr {

class OciRoutes {
 public:
  // All referenced objects must outlive the routes. Blob commits (fsync, rename, link) run on
  // `disk` so the event loop goes on serving other connections meanwhile.
  OciRoutes(EcrCore& core, UploadTable& uploads, RegistryAuth& auth, std::string registry_host,
            boost::asio::thread_pool& disk)
      : core_(core),
        uploads_(uploads),
        auth_(auth),
        registry_host_(std::move(registry_host)),
        disk_(disk) {}

  // Serves one request whose path starts with /v2, reading its body from request.body_stream
  // when set. Never throws.
  boost::asio::awaitable<HttpResponse> Handle(HttpRequest& request);

 private:
  // Requests without an upload body (read whole beforehand).
  HttpResponse Dispatch(const HttpRequest& req, const Scope& ns, const V2Path& path);
  HttpResponse Catalog(const HttpRequest& req, const Scope& ns);
  HttpResponse TagsList(const HttpRequest& req, const Scope& ns, const V2Path& path);
  HttpResponse Referrers(const HttpRequest& req, const Scope& ns, const V2Path& path);
  // oci_routes_blobs.cc
  HttpResponse GetBlob(const HttpRequest& req, const Scope& ns, const V2Path& path);
  HttpResponse DeleteBlob(const Scope& ns, const V2Path& path);
  // oci_routes_uploads.cc
  boost::asio::awaitable<HttpResponse> StartUpload(HttpRequest& req, const Scope& ns,
                                                   const V2Path& path);
  boost::asio::awaitable<HttpResponse> PatchUpload(HttpRequest& req, const Scope& ns,
                                                   const V2Path& path);
  boost::asio::awaitable<HttpResponse> PutUpload(HttpRequest& req, const Scope& ns,
                                                 const V2Path& path);
  HttpResponse UploadStatus(const Scope& ns, const V2Path& path, bool cancel);
  // Commits the leased upload as `digest` (on disk_) and links it into `name`; the lease's
  // session ends.
  boost::asio::awaitable<HttpResponse> CommitUpload(UploadLease& lease, const Scope& ns,
                                                    const std::string& name,
                                                    const std::string& digest);
  // oci_routes_manifests.cc
  HttpResponse GetManifest(const HttpRequest& req, const Scope& ns, const V2Path& path);
  HttpResponse PutManifest(const HttpRequest& req, const Scope& ns, const V2Path& path);
  HttpResponse DeleteManifest(const Scope& ns, const V2Path& path);

  EcrCore& core_;
  UploadTable& uploads_;
  RegistryAuth& auth_;
  std::string registry_host_;
  boost::asio::thread_pool& disk_;
};

// An OCI error response: status and {"errors":[{"code":code,"message":message}]}.
HttpResponse OciError(int status, std::string_view code, const std::string& message);
// The OCI error response for a core error.
HttpResponse OciError(const CoreError& error);
// A bodiless response with the registry API version header.
HttpResponse OciEmpty(int status);
// Location of an upload session: /v2/<name>/blobs/uploads/<id>.
std::string UploadLocation(const std::string& name, const std::string& id);
// The Range header value for `size` bytes received ("0-<size-1>", "0-0" when empty).
std::string RangeValue(uint64_t size);
// A whole decimal unsigned number (no sign, no spaces).
bool ParseU64(std::string_view s, uint64_t& out);
// The decoded value of query parameter `name`, nullopt when absent.
std::optional<std::string> QueryParam(const HttpRequest& req, std::string_view name);

}  // namespace nimbus::ecr
