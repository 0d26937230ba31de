#include "image/manifest.h"

#include <nlohmann/json.hpp>

#include "core/json_parse.h"

namespace nimbus::image {
namespace {

using nlohmann::json;

Status Bad(const std::string& why) { return Status::InvalidArgument("manifest: " + why); }

Result<ecr::LayerDescriptor> ReadDescriptor(const json& d, const std::string& where) {
  if (!d.is_object()) return Bad(where + " must be an object");
  auto digest = d.find("digest");
  auto size = d.find("size");
  if (digest == d.end() || !digest->is_string()) return Bad(where + ".digest missing");
  if (size == d.end() || !size->is_number_integer() || size->get<int64_t>() < 0)
    return Bad(where + ".size missing");
  ecr::LayerDescriptor out;
  out.digest = digest->get<std::string>();
  out.size = size->get<int64_t>();
  if (auto mt = d.find("mediaType"); mt != d.end() && mt->is_string())
    out.media_type = mt->get<std::string>();
  if (!out.digest.starts_with("sha256:") && !out.digest.starts_with("sha512:"))
    return Bad(where + ".digest \"" + out.digest + "\" is not sha256 or sha512");
  return out;
}

}  // namespace

const char kManifestAccept[] =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

bool IsIndex(std::string_view media_type, std::string_view bytes) {
  if (media_type == "application/vnd.oci.image.index.v1+json" ||
      media_type == "application/vnd.docker.distribution.manifest.list.v2+json")
    return true;
  if (media_type == "application/vnd.oci.image.manifest.v1+json" ||
      media_type == "application/vnd.docker.distribution.manifest.v2+json")
    return false;
  json doc = ParseJson(bytes);
  if (!doc.is_object()) return false;
  if (auto mt = doc.find("mediaType"); mt != doc.end() && mt->is_string()) {
    return IsIndex(mt->get<std::string>(), {});
  }
  return doc.contains("manifests") && !doc.contains("layers");
}

Result<ImageManifest> ParseImageManifest(std::string_view bytes) {
  json doc = ParseJson(bytes);
  if (!doc.is_object()) return Bad("not a JSON object");
  if (auto v = doc.find("schemaVersion"); v == doc.end() || *v != 2)
    return Bad("schemaVersion must be 2");
  auto config = doc.find("config");
  if (config == doc.end()) return Bad("config missing");
  auto cfg = ReadDescriptor(*config, "config");
  if (!cfg.ok()) return cfg.error();
  ImageManifest out;
  out.config = std::move(*cfg);
  auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_array()) return Bad("layers must be an array");
  for (size_t i = 0; i < layers->size(); ++i) {
    const json& l = (*layers)[i];
    std::string where = "layers[" + std::to_string(i) + "]";
    auto d = ReadDescriptor(l, where);
    if (!d.ok()) return d.error();
    if (l.contains("urls")) return Bad(where + " is a foreign layer (urls): not supported");
    out.layers.push_back(std::move(*d));
  }
  return out;
}

Result<std::string> SelectPlatform(std::string_view index_bytes, const ecr::Platform& platform) {
  json doc = ParseJson(index_bytes);
  if (!doc.is_object()) return Bad("not a JSON object");
  auto manifests = doc.find("manifests");
  if (manifests == doc.end() || !manifests->is_array()) return Bad("manifests must be an array");
  for (const json& m : *manifests) {
    if (!m.is_object()) return Bad("manifests[] must be objects");
    auto p = m.find("platform");
    if (p == m.end() || !p->is_object()) continue;
    auto str = [&](const char* key) {
      auto it = p->find(key);
      return it != p->end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (str("os") != platform.os || str("architecture") != platform.architecture) continue;
    if (!platform.variant.empty() && !str("variant").empty() && str("variant") != platform.variant)
      continue;
    auto digest = m.find("digest");
    if (digest == m.end() || !digest->is_string()) return Bad("manifests[].digest missing");
    return digest->get<std::string>();
  }
  return Status::NotFound("no match for platform in manifest");
}

}  // namespace nimbus::image
