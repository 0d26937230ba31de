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

#include "core/clock.h"
#include "image/image_cache.h"
#include "image/tar_builder.h"
#include "protocol/service_endpoint.h"
#include "services/ecr/ecr_service.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/temp_dir.h"

namespace nimbus {
namespace {

using Steady = std::chrono::steady_clock;

std::string Sha(const std::string& d) { return "sha256:" + store::Hasher::Hex(d); }

struct Ecr {
  store::testing::TempDir dir;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<store::BlobStore> blobs;
  ServiceContext ctx;
  std::vector<std::unique_ptr<ServiceEndpoint>> services;

  bool Open() {
    auto d = store::Database::Open(dir.path());
    auto b = store::BlobStore::Open(dir.path());
    if (!d.ok() || !b.ok()) return false;
    db = std::move(*d);
    blobs = std::move(*b);
    ctx.db = db.get();
    ctx.blobs = blobs.get();
    ctx.clock = &SystemClock();
    ctx.data_dir = dir.path();
    ctx.host = "127.0.0.1";
    ctx.port = 4566;
    std::vector<ServiceFactory> ecr = {ecr::EcrService()};
    auto built = BuildServices(ecr, ctx);
    if (!built.ok()) return false;
    services = std::move(*built);
    return true;
  }
  Value Call(const std::string& op, Value input) {
    CallContext call;
    call.request_id = "bench";
    call.account_id = "000000000000";
    call.region = "us-east-1";
    call.service = "ecr";
    call.operation = op;
    auto r = services[0]->ExecuteNow(call, std::move(input));
    if (!r.ok() && r.error().code != "LayerAlreadyExistsException") {
      std::fprintf(stderr, "%s: %s\n", op.c_str(), r.error().message.c_str());
      std::exit(1);
    }
    return r.ok() ? *r : Value();
  }
  std::string Upload(const std::string& data) {
    std::string id = Call("InitiateLayerUpload", {{"repositoryName", "busybox"}})["uploadId"];
    for (size_t off = 0; off < data.size(); off += 20 << 20) {
      std::string part = data.substr(off, 20 << 20);
      Value in = {{"repositoryName", "busybox"},
                  {"uploadId", id},
                  {"partFirstByte", off},
                  {"partLastByte", off + part.size() - 1}};
      in["layerPartBlob"] = BlobValue(part);
      Call("UploadLayerPart", in);
    }
    Call("CompleteLayerUpload",
         {{"repositoryName", "busybox"}, {"uploadId", id}, {"layerDigests", {Sha(data)}}});
    return Sha(data);
  }
};

// busybox and a symlink per applet, as tests/integration/images.py builds it.
image::testing::TarBuilder BusyboxLayer() {
  std::ifstream in("/bin/busybox", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  image::testing::TarBuilder t;
  image::testing::TarOpts exe;
  exe.mode = 0755;
  t.Dir("bin").Dir("usr").Dir("usr/bin").Dir("sbin").Dir("usr/sbin").Dir("etc");
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
  Ecr ecr;
  if (!ecr.Open()) return 1;
  ecr.Call("CreateRepository", {{"repositoryName", "busybox"}});
  auto layer = BusyboxLayer();
  std::string blob = image::testing::Gzip(layer.Tar());
  std::string layer_digest = ecr.Upload(blob);
  std::string config = Value{{"architecture", "amd64"},
                             {"os", "linux"},
                             {"config", {{"Cmd", {"/bin/sh"}}}},
                             {"rootfs", {{"type", "layers"}, {"diff_ids", {layer.DiffId()}}}}}
                           .dump();
  std::string manifest = Value{{"schemaVersion", 2},
                               {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                               {"config",
                                {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                 {"digest", ecr.Upload(config)},
                                 {"size", config.size()}}},
                               {"layers",
                                {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                                  {"digest", layer_digest},
                                  {"size", blob.size()}}}}}
                             .dump();
  ecr.Call("PutImage",
           {{"repositoryName", "busybox"}, {"imageManifest", manifest}, {"imageTag", "latest"}});
  auto& cache = *ecr.ctx.links.images;
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
