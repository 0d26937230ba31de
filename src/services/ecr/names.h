// Validation of the names a registry client sends: repository names, tags, digests, and the
// path of /v2/ requests. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nimbus::ecr {

// OCI/ECR repository name: components [a-z0-9]+((.|_|__|-+)[a-z0-9]+)* joined by '/', 2..256
// characters. Rejects empty components, "." and "..", so names can never traverse paths.
bool ValidRepoName(std::string_view name);
// OCI tag: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
bool ValidTag(std::string_view tag);
// "sha256:<64 lower-case hex>" or "sha512:<128 lower-case hex>", the OCI registered
// algorithms. Others are not supported.
bool ValidDigest(std::string_view digest);
// True for a valid sha512 digest.
bool IsSha512Digest(std::string_view digest);
// True for anything shaped "<alg>:<encoded>" (a digest, maybe of an unsupported algorithm).
bool LooksLikeDigest(std::string_view ref);

// What a /v2/ request path addresses.
enum class V2Kind {
  kBase,         // /v2/
  kBlob,         // /v2/<name>/blobs/<digest>
  kUploadStart,  // /v2/<name>/blobs/uploads/
  kUpload,       // /v2/<name>/blobs/uploads/<id>
  kManifest,     // /v2/<name>/manifests/<reference>
  kTagsList,     // /v2/<name>/tags/list
  kReferrers,    // /v2/<name>/referrers/<digest>
  kCatalog,      // /v2/_catalog
};

struct V2Path {
  V2Kind kind = V2Kind::kBase;
  std::string name;  // repository name (not yet validated)
  std::string ref;   // digest, tag, or upload id (percent-decoded)
};

// Parses a percent-encoded request path starting with "/v2". nullopt when the path matches no
// endpoint. The name is split from the endpoint suffix from the right, so names may contain
// components such as "blobs" or "manifests".
std::optional<V2Path> ParseV2Path(std::string_view path);

// "<hex>" of a valid digest (after "<algorithm>:").
std::string_view DigestHex(std::string_view digest);

}  // namespace nimbus::ecr
