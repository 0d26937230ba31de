// The image cache over nimbus's real ECR, in process: how long a busybox image's layer takes to
// unpack (each run a new id offset, so a new unpack), and what a Prepare of an image already
// prepared costs (goal: well under 1 ms; ECS calls it for every container it starts).
// Usage: image_cache_bench [unpack_runs] [cached_prepares]   (root: unpacking chowns and mknods)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "image/ecr_in_process.h"
#include "image/image_cache.h"
#include "image/oci_layout.h"
#include "store/temp_dir.h"

namespace nimbus {
namespace {

using Steady = std::chrono::steady_clock;

void Report(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))];
  };
  std::printf("%-34s n=%zu  min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f us\n", what, us.size(),
              us.front(), at(0.5), at(0.9), at(0.99), us.back());
}

}  // namespace
}  // namespace nimbus

int main(int argc, char** argv) {
  using namespace nimbus;
  int unpack_runs = argc > 1 ? std::atoi(argv[1]) : 10;
  int prepares = argc > 2 ? std::atoi(argv[2]) : 20000;
  if (::geteuid() != 0 || ::access("/bin/busybox", R_OK) != 0) {
    std::fprintf(stderr, "image_cache_bench: needs root and busybox-static\n");
    return 2;
  }
  store::testing::TempDir dir;
  image::testing::EcrInProcess ecr;
  if (!ecr.Open(dir.path())) return 1;
  (void)ecr.Call("CreateRepository", {{"repositoryName", "busybox"}});
  auto layer = image::testing::BusyboxLayer();
  std::string blob = image::testing::Gzip(layer.Tar());
  std::string layer_digest = ecr.Upload("busybox", blob);
  std::string config = Value{{"architecture", "amd64"},
                             {"os", "linux"},
                             {"config", {{"Cmd", {"/bin/sh"}}}},
                             {"rootfs", {{"type", "layers"}, {"diff_ids", {layer.DiffId()}}}}}
                           .dump();
  std::string manifest = Value{{"schemaVersion", 2},
                               {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                               {"config",
                                {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                 {"digest", ecr.Upload("busybox", config)},
                                 {"size", config.size()}}},
                               {"layers",
                                {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                                  {"digest", layer_digest},
                                  {"size", blob.size()}}}}}
                             .dump();
  auto put = ecr.Call(
      "PutImage",
      {{"repositoryName", "busybox"}, {"imageManifest", manifest}, {"imageTag", "latest"}});
  if (!put.ok()) {
    std::fprintf(stderr, "PutImage: %s\n", put.error().message.c_str());
    return 1;
  }
  auto& cache = *ecr.links().images;
  Scope scope{"000000000000", "us-east-1"};
  const std::string image = "127.0.0.1:4566/busybox:latest";
  std::printf("busybox layer: %zu bytes gzip, %zu bytes tar\n", blob.size(), layer.Tar().size());

  std::vector<double> unpack;
  for (int i = 0; i < unpack_runs; ++i) {
    auto start = Steady::now();
    auto p = cache.Prepare(scope, image, static_cast<uid_t>(1000000 + i));  // a new unpack
    auto us = std::chrono::duration<double, std::micro>(Steady::now() - start).count();
    if (!p.ok()) {
      std::fprintf(stderr, "Prepare: %s\n", p.error().ToString().c_str());
      return 1;
    }
    unpack.push_back(us);
  }
  Report("first Prepare (unpack busybox)", unpack);

  std::vector<double> cached;
  for (int i = 0; i < prepares; ++i) {
    auto start = Steady::now();
    auto p = cache.Prepare(scope, image, 1000000);
    cached.push_back(std::chrono::duration<double, std::micro>(Steady::now() - start).count());
    if (!p.ok()) return 1;
  }
  Report("Prepare of a cached image", cached);
  std::vector<double> resolve;
  for (int i = 0; i < prepares / 4; ++i) {
    auto start = Steady::now();
    auto p = cache.ResolveDigest(scope, image);
    resolve.push_back(std::chrono::duration<double, std::micro>(Steady::now() - start).count());
    if (!p.ok()) return 1;
  }
  Report("ResolveDigest", resolve);
  return 0;
}
