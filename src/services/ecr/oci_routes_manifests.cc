// /v2/<name>/manifests/<reference>: GET/HEAD, PUT (ECR tag semantics), DELETE.
#include "services/ecr/oci_routes.h"

namespace nimbus::ecr {

HttpResponse OciRoutes::GetManifest(const HttpRequest& req, const Scope& ns, const V2Path& path) {
  auto m = core_.GetManifest(ns, path.name, path.ref, /*record_pull=*/req.method == "GET");
  if (!m.ok()) return OciError(m.error());
  HttpResponse r = OciEmpty(200);
  r.headers.Add("Content-Type", m->media_type);
  r.headers.Add("Docker-Content-Digest", m->digest);
  r.headers.Add("ETag", "\"" + m->digest + "\"");
  r.body = std::move(m->bytes);
  return r;
}

HttpResponse OciRoutes::PutManifest(const HttpRequest& req, const Scope& ns, const V2Path& path) {
  auto put = core_.PutManifest(ns, path.name, path.ref, req.body,
                               std::string(req.headers.Get("Content-Type")));
  if (!put.ok()) return OciError(put.error());
  HttpResponse r = OciEmpty(201);
  r.headers.Add("Location", "/v2/" + path.name + "/manifests/" + put->digest);
  r.headers.Add("Docker-Content-Digest", put->digest);
  if (!put->subject.empty()) r.headers.Add("OCI-Subject", put->subject);
  return r;
}

HttpResponse OciRoutes::DeleteManifest(const Scope& ns, const V2Path& path) {
  auto done = core_.DeleteManifest(ns, path.name, path.ref);
  if (!done.ok()) return OciError(done.error());
  return OciEmpty(202);
}

}  // namespace nimbus::ecr
