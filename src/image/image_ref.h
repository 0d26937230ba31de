// What an ECS task definition's `image` or a Lambda `ImageUri` may say, parsed: where the image
// lives (nimbus's own registry, in which account and region, or another registry) and which
// image (tag or digest). Pure functions; thread-safe.
//
// Accepted forms (grammar of distribution/reference: lower-case path components, tags
// [A-Za-z0-9_][A-Za-z0-9._-]{0,127}, digests sha256:<64 hex> or sha512:<128 hex>):
//   <registry-host>/<repo>[:tag|@digest]   a nimbus repositoryUri (ECR's --registry-host, or the
//                                          address served): the caller's account and region
//   <account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]   a real ECR URI, resolved in
//                                          nimbus's registry for that account and region (also
//                                          .amazonaws.com.cn and dkr-ecr dual-stack hosts)
//   busybox, library/busybox[:tag|@digest], user/app   Docker Hub (registry-1.docker.io;
//                                          one-component names get "library/")
//   docker.io/..., index.docker.io/...      Docker Hub too
//   host[:port]/path[:tag|@digest]          another registry; the first component is a host when
//                                          it has a '.' or ':' or is "localhost"
// No tag and no digest means ":latest". "name:tag@digest" keeps the digest (the tag is only
// informative, as Docker does).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::image {

struct ImageRef {
  enum class Kind {
    kNimbus,  // nimbus's registry, in the caller's account and region
    kEcr,     // nimbus's registry, in `account` and `region` (a real ECR URI)
    kRemote,  // another registry, pulled by nimbus's OCI client
  };
  Kind kind = Kind::kRemote;
  std::string registry;    // host[:port] as written ("registry-1.docker.io" for Docker Hub)
  std::string repository;  // path inside the registry, e.g. "library/busybox", "team/app"
  std::string tag;         // "latest" when neither tag nor digest was given; may be set with digest
  std::string digest;      // "sha256:<hex>" when the image is pinned, else empty
  std::string account;     // kEcr: the URI's account (12 digits)
  std::string region;      // kEcr: the URI's region

  // What to ask the registry for: the digest when pinned, else the tag.
  const std::string& reference() const { return digest.empty() ? tag : digest; }
  // The canonical string, e.g. "registry-1.docker.io/library/busybox:latest",
  // "127.0.0.1:4566/app@sha256:..." (tag dropped when pinned).
  std::string ToString() const;
  // "<registry>/<repository>": the repository URI (ECS's container image without reference).
  std::string RepositoryUri() const { return registry + "/" + repository; }
};

// Parses `image`. `nimbus_hosts` are the host[:port] names nimbus's registry answers to (ECR's
// --registry-host, and the address served): a first component equal to one of them is
// Kind::kNimbus. InvalidArgument with a message fit for CannotPullContainerError
// ("invalid reference format" as Docker says, plus what is wrong) for anything else.
Result<ImageRef> ParseImageRef(std::string_view image,
                               const std::vector<std::string>& nimbus_hosts);

}  // namespace nimbus::image
