#include "services/ecs/services/image_pins.h"

#include "image/image_cache.h"
#include "services/kit/input.h"

namespace nimbus::ecs {

ImagePins PinImages(image::ImageCache* images, const Scope& scope, const Value& td) {
  ImagePins out;
  out.container_images = Value::array();
  for (const Value& def : td.value("containerDefinitions", Value::array())) {
    std::string name = Str(def, "name");
    std::string image = Str(def, "image");
    Value entry = {{"containerName", name}, {"image", image}};
    if (images != nullptr && Str(def, "versionConsistency", "enabled") != "disabled") {
      auto resolved = images->ResolveDigest(scope, image);
      if (resolved.ok()) {
        out.pins[name] = resolved->repository_uri + "@" + resolved->digest;
        entry["imageDigest"] = resolved->digest;
      }
    }
    out.container_images.push_back(std::move(entry));
  }
  return out;
}

std::map<std::string, std::string> PinsOf(const Value& pins) {
  std::map<std::string, std::string> out;
  if (!pins.is_object()) return out;
  for (auto it = pins.begin(); it != pins.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

}  // namespace nimbus::ecs
