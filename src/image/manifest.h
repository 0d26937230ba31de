// Reading the manifests a runtime pulls: an image manifest's config and layers, and an index's
// (manifest list's) entry for a platform. OCI and Docker schema 2 media types. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "services/ecr/api/image_reader.h"

namespace nimbus::image {

// The media types a runtime asks a registry for, for an Accept header.
extern const char kManifestAccept[];

// True for an OCI index or a Docker manifest list (`media_type` as served, or the document's
// own mediaType when `media_type` is empty or generic).
bool IsIndex(std::string_view media_type, std::string_view bytes);

struct ImageManifest {
  ecr::LayerDescriptor config;
  std::vector<ecr::LayerDescriptor> layers;  // bottom first
};

// An image manifest's config and layers. InvalidArgument "manifest: ..." when malformed, and
// for layers a runtime cannot unpack (foreign/non-distributable layers with "urls", unknown
// layer media types are accepted: the unpacker sniffs the compression).
Result<ImageManifest> ParseImageManifest(std::string_view bytes);

// The digest of the index entry for `platform` (os and architecture equal; the variant when the
// platform names one; amd64 entries without a variant match). NotFound
// "no match for platform in manifest" when none does; InvalidArgument when malformed.
Result<std::string> SelectPlatform(std::string_view index_bytes, const ecr::Platform& platform);

}  // namespace nimbus::image
