// The OCI Distribution Spec v1.1 endpoints under /v2/, on top of EcrCore and UploadTable.
// Errors are the spec's JSON bodies ({"errors":[{code,message,detail}]}); every response has
// Docker-Distribution-API-Version: registry/2.0. Blob GETs stream from disk (sendfile) and honour
// a single Range. Thread-safe; handlers do blocking file and SQLite I/O on the calling thread.
#pragma once

#include <string>

#include "core/http.h"
#include "services/ecr/core.h"
#include "services/ecr/names.h"
#include "services/ecr/registry_auth.h"
#include "services/ecr/uploads.h"

namespace nimbus::ecr {

class OciRoutes {
 public:
  // All referenced objects must outlive the routes.
  OciRoutes(EcrCore& core, UploadTable& uploads, RegistryAuth& auth, std::string registry_host)
      : core_(core), uploads_(uploads), auth_(auth), registry_host_(std::move(registry_host)) {}

  // Serves one request whose path starts with /v2. Never throws.
  HttpResponse Handle(const HttpRequest& request);

 private:
  HttpResponse Dispatch(const HttpRequest& req, const Ns& ns, const V2Path& path);
  HttpResponse Catalog(const HttpRequest& req, const Ns& ns);
  HttpResponse TagsList(const HttpRequest& req, const Ns& ns, const V2Path& path);
  HttpResponse Referrers(const HttpRequest& req, const Ns& ns, const V2Path& path);
  // oci_routes_blobs.cc
  HttpResponse GetBlob(const HttpRequest& req, const Ns& ns, const V2Path& path);
  HttpResponse DeleteBlob(const Ns& ns, const V2Path& path);
  HttpResponse StartUpload(const HttpRequest& req, const Ns& ns, const V2Path& path);
  HttpResponse PatchUpload(const HttpRequest& req, const Ns& ns, const V2Path& path);
  HttpResponse PutUpload(const HttpRequest& req, const Ns& ns, const V2Path& path);
  HttpResponse UploadStatus(const Ns& ns, const V2Path& path, bool cancel);
  // oci_routes_manifests.cc
  HttpResponse GetManifest(const HttpRequest& req, const Ns& ns, const V2Path& path);
  HttpResponse PutManifest(const HttpRequest& req, const Ns& ns, const V2Path& path);
  HttpResponse DeleteManifest(const Ns& ns, const V2Path& path);

  EcrCore& core_;
  UploadTable& uploads_;
  RegistryAuth& auth_;
  std::string registry_host_;
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

}  // namespace nimbus::ecr
