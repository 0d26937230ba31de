// Internal to the image cache: where one image's manifests and blobs come from (nimbus's
// registry, or another registry through the pull client), so that Prepare has one path.
#pragma once

#include <string>

#include "core/status.h"
#include "image/image_ref.h"
#include "services/ecr/api/image_reader.h"

namespace nimbus::image {

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // What the reference names now (manifest or index digest).
  virtual Result<std::string> Digest(const ImageRef& ref) = 0;
  // The image `digest` names, for the host's platform.
  virtual Result<ecr::ResolvedImage> Resolve(const ImageRef& ref, const std::string& digest) = 0;
  // A host file holding blob `digest` of the image (fetched first when needed).
  virtual Result<std::string> BlobPath(const ImageRef& ref, const ecr::LayerDescriptor& blob) = 0;
};

}  // namespace nimbus::image
