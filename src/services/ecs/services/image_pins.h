// Software version consistency: when a service deployment is created, each container's image
// tag is resolved to the digest it names now, and every task of the deployment pulls that
// digest. A container with versionConsistency "disabled" keeps its image as written.
#pragma once

#include <map>
#include <string>

#include "protocol/call.h"
#include "services/kit/scope.h"

namespace nimbus::image {
class ImageCache;
}

namespace nimbus::ecs {

struct ImagePins {
  std::map<std::string, std::string> pins;  // container name -> "<repository uri>@<digest>"
  Value container_images;  // ServiceRevision.containerImages: [{containerName, image, imageDigest}]
};

// Resolves the images of task definition `td` (its body) for `scope`. An image that cannot be
// resolved (gone, unreachable) is left unpinned: its tasks then fail to pull it as AWS's do.
// `images` may be null (no image cache): nothing is pinned. Blocks (SQLite, maybe network).
ImagePins PinImages(image::ImageCache* images, const Scope& scope, const Value& td);

// The pins a deployment recorded (state "pins" object) as a map.
std::map<std::string, std::string> PinsOf(const Value& pins);

}  // namespace nimbus::ecs
