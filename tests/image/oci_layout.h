// Test helper: an OCI image layout on disk (what skopeo copies from with oci:<dir>:<tag>), and
// the busybox-static layer the end-to-end tests and the bench run.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "image/tar_builder.h"
#include "store/sha256.h"

namespace nimbus::image::testing {

// Writes an OCI image layout at `dir` holding one linux/amd64 image tagged `tag`: `layers` are
// (media type, blob bytes) pairs, `diff_ids` their tars' digests, `config` the config's
// "config" object. Returns the manifest digest.
inline std::string WriteOciLayout(const std::string& dir,
                                  const std::vector<std::pair<std::string, std::string>>& layers,
                                  const std::vector<std::string>& diff_ids, const std::string& tag,
                                  const nlohmann::json& config = nlohmann::json::object()) {
  using nlohmann::json;
  std::filesystem::create_directories(dir + "/blobs/sha256");
  auto blob = [&](const std::string& data) {
    std::string digest = "sha256:" + store::Hasher::Hex(data);
    std::ofstream(dir + "/blobs/sha256/" + digest.substr(7), std::ios::binary) << data;
    return digest;
  };
  json descs = json::array();
  for (const auto& [media, data] : layers)
    descs.push_back({{"mediaType", media}, {"digest", blob(data)}, {"size", data.size()}});
  std::string cfg = json{{"architecture", "amd64"},
                         {"os", "linux"},
                         {"config", config},
                         {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                        .dump();
  std::string manifest = json{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", blob(cfg)},
        {"size", cfg.size()}}},
      {"layers", descs}}.dump();
  std::string md = blob(manifest);
  std::ofstream(dir + "/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  std::ofstream(dir + "/index.json")
      << json{{"schemaVersion", 2},
              {"manifests",
               {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                 {"digest", md},
                 {"size", manifest.size()},
                 {"annotations", {{"org.opencontainers.image.ref.name", tag}}}}}}}
             .dump();
  return md;
}

// busybox (Debian's busybox-static, /bin/busybox) and a symlink per applet, /etc/passwd, /tmp:
// the layer tests/integration/images.py builds too.
inline TarBuilder BusyboxLayer() {
  std::ifstream in("/bin/busybox", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  TarBuilder t;
  TarOpts exe, tmp;
  exe.mode = 0755;
  tmp.mode = 01777;
  t.Dir("bin").Dir("usr").Dir("usr/bin").Dir("sbin").Dir("usr/sbin").Dir("etc").Dir("tmp", tmp);
  t.File("bin/busybox", bytes.str(), exe).File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  FILE* list = ::popen("/bin/busybox --list-full", "r");
  char line[256];
  while (list && std::fgets(line, sizeof(line), list)) {
    std::string applet(line);
    applet.erase(applet.find_last_not_of("\n") + 1);
    if (applet != "bin/busybox") t.Symlink(applet, "/bin/busybox");
  }
  if (list) ::pclose(list);
  return t;
}

}  // namespace nimbus::image::testing
