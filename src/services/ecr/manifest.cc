#include "services/ecr/manifest.h"

#include "core/json_parse.h"
#include "services/ecr/names.h"

namespace nimbus::ecr {
namespace {

using nlohmann::json;

Status Invalid(std::string m) { return Status::InvalidArgument(std::move(m)); }

Result<Descriptor> ParseDescriptor(const json& j, std::string_view where) {
  if (!j.is_object()) return Invalid(std::string(where) + " is not a descriptor object");
  Descriptor d;
  auto mt = j.find("mediaType");
  if (mt != j.end()) {
    if (!mt->is_string()) return Invalid(std::string(where) + ".mediaType is not a string");
    d.media_type = mt->get<std::string>();
  }
  auto dg = j.find("digest");
  if (dg == j.end() || !dg->is_string()) return Invalid(std::string(where) + ".digest missing");
  d.digest = dg->get<std::string>();
  if (!ValidDigest(d.digest))
    return Invalid(std::string(where) + ".digest is not a sha256 or sha512 digest");
  auto sz = j.find("size");
  if (sz == j.end() || !sz->is_number_integer() || sz->get<int64_t>() < 0) {
    return Invalid(std::string(where) + ".size must be a non-negative integer");
  }
  d.size = sz->get<int64_t>();
  auto urls = j.find("urls");
  d.external = urls != j.end() && urls->is_array() && !urls->empty();
  return d;
}

Status ParseImage(const json& doc, ManifestInfo& info) {
  auto cfg = doc.find("config");
  if (cfg == doc.end()) return Invalid("manifest has no config");
  auto config = ParseDescriptor(*cfg, "config");
  if (!config.ok()) return config.error();
  info.config_media_type = config->media_type;
  info.image_size = config->size;
  info.blobs.push_back(std::move(*config));
  auto layers = doc.find("layers");
  if (layers != doc.end()) {
    if (!layers->is_array()) return Invalid("layers is not an array");
    for (size_t i = 0; i < layers->size(); ++i) {
      auto d = ParseDescriptor((*layers)[i], "layers[" + std::to_string(i) + "]");
      if (!d.ok()) return d.error();
      info.image_size += d->size;
      info.blobs.push_back(std::move(*d));
    }
  } else if (info.media_type == kDockerManifest) {
    return Invalid("manifest has no layers");
  }
  return Status::Ok();
}

Status ParseIndex(const json& doc, ManifestInfo& info) {
  auto list = doc.find("manifests");
  if (list == doc.end() || !list->is_array()) return Invalid("index has no manifests array");
  for (size_t i = 0; i < list->size(); ++i) {
    auto d = ParseDescriptor((*list)[i], "manifests[" + std::to_string(i) + "]");
    if (!d.ok()) return d.error();
    info.children.push_back(std::move(*d));
  }
  return Status::Ok();
}

}  // namespace

std::string BareMediaType(std::string_view ct) {
  size_t semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  return std::string(ct);
}

bool IsManifestMediaType(std::string_view t) {
  return t == kOciManifest || t == kOciIndex || t == kDockerManifest || t == kDockerList;
}

Result<ManifestInfo> ParseManifest(std::string_view bytes, std::string_view content_type) {
  json doc = ParseJson(bytes);
  if (doc.is_discarded() || !doc.is_object()) return Invalid("manifest is not a JSON object");
  auto version = doc.find("schemaVersion");
  if (version == doc.end() || !version->is_number_integer() || version->get<int64_t>() != 2) {
    return Invalid("unsupported manifest schemaVersion (only 2 is accepted)");
  }
  ManifestInfo info;
  std::string header = BareMediaType(content_type);
  auto mt = doc.find("mediaType");
  if (mt != doc.end()) {
    if (!mt->is_string()) return Invalid("mediaType is not a string");
    info.media_type = mt->get<std::string>();
    if (!header.empty() && header != info.media_type && IsManifestMediaType(header)) {
      return Invalid("Content-Type " + header + " does not match the manifest mediaType " +
                     info.media_type);
    }
  } else if (IsManifestMediaType(header)) {
    info.media_type = header;
  } else {
    // Neither says: guess from the shape, as OCI allows mediaType to be absent.
    info.media_type = std::string(doc.contains("manifests") ? kOciIndex : kOciManifest);
  }
  if (!IsManifestMediaType(info.media_type)) {
    return Invalid("unsupported manifest media type " + info.media_type);
  }
  info.is_index = info.media_type == kOciIndex || info.media_type == kDockerList;
  Status st = info.is_index ? ParseIndex(doc, info) : ParseImage(doc, info);
  if (!st.ok()) return st;
  if (auto at = doc.find("artifactType"); at != doc.end()) {
    if (!at->is_string()) return Invalid("artifactType is not a string");
    info.artifact_type = at->get<std::string>();
  }
  if (auto sub = doc.find("subject"); sub != doc.end()) {
    auto d = ParseDescriptor(*sub, "subject");
    if (!d.ok()) return d.error();
    info.subject = d->digest;
  }
  if (auto ann = doc.find("annotations"); ann != doc.end()) {
    if (!ann->is_object()) return Invalid("annotations is not an object");
    info.annotations = *ann;
  }
  return info;
}

}  // namespace nimbus::ecr
