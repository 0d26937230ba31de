// Parsing and validation of pushed manifests: OCI image manifest and index, Docker schema 2
// manifest and manifest list. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nimbus::ecr {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

// A content descriptor a manifest refers to.
struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  bool external = false;  // has "urls": the blob is not expected in the registry
};

struct ManifestInfo {
  std::string media_type;     // effective media type (field, else Content-Type)
  bool is_index = false;      // index / manifest list: `children` are manifests
  std::string artifact_type;  // artifactType, else config.mediaType (image manifests)
  std::string config_media_type;
  std::string subject;               // subject digest, empty when none
  std::vector<Descriptor> blobs;     // config + layers (image manifests)
  std::vector<Descriptor> children;  // manifests (indexes)
  nlohmann::json annotations;        // object or null
  int64_t image_size = 0;  // sum of config and layer sizes; for an index, its largest child
                           // is filled in later by the caller
};

// Strips parameters and whitespace: "application/json; charset=utf-8" -> "application/json".
std::string BareMediaType(std::string_view content_type);

// True for the four manifest media types nimbus stores.
bool IsManifestMediaType(std::string_view media_type);

// Parses `bytes` as a manifest. `content_type` is the request's Content-Type (may be empty);
// it decides the type when the manifest has no mediaType and must match it when it does.
// InvalidArgument with a client-facing message for anything malformed.
Result<ManifestInfo> ParseManifest(std::string_view bytes, std::string_view content_type);

}  // namespace nimbus::ecr
