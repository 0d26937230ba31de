// Test and bench helper: nimbus's real ECR built in process over a data directory (a fresh one,
// or one a nimbus process used before), called through the same dispatch path as the gateway,
// with its ServiceLinks (ecr_images, images) at hand.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "protocol/service_endpoint.h"
#include "services/ecr/ecr_service.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/sha256.h"

namespace nimbus::image::testing {

class EcrInProcess {
 public:
  // Opens the store under `data_dir` and builds ECR; false (with a line on stderr) on failure.
  bool Open(const std::string& data_dir) {
    auto d = store::Database::Open(data_dir);
    auto b = store::BlobStore::Open(data_dir);
    if (!d.ok() || !b.ok()) return Fail("store");
    db_ = std::move(*d);
    blobs_ = std::move(*b);
    ctx_.db = db_.get();
    ctx_.blobs = blobs_.get();
    ctx_.clock = &SystemClock();
    ctx_.data_dir = data_dir;
    ctx_.host = "127.0.0.1";
    ctx_.port = 4566;
    std::vector<ServiceFactory> ecr = {ecr::EcrService()};
    auto built = BuildServices(ecr, ctx_);
    if (!built.ok()) return Fail(built.error().ToString());
    services_ = std::move(*built);
    return true;
  }
  ServiceLinks& links() { return ctx_.links; }

  // Runs an ECR operation as 000000000000 in us-east-1.
  OpResult Call(const std::string& op, Value input) {
    CallContext call;
    call.request_id = "in-process";
    call.account_id = "000000000000";
    call.region = "us-east-1";
    call.service = "ecr";
    call.operation = op;
    return services_[0]->ExecuteNow(call, std::move(input));
  }
  // Uploads `data` into `repo` through the layer API (a blob already there is fine); returns
  // its digest, or "" on failure.
  std::string Upload(const std::string& repo, const std::string& data) {
    auto up = Call("InitiateLayerUpload", {{"repositoryName", repo}});
    if (!up.ok()) return "";
    std::string id = (*up)["uploadId"];
    for (size_t off = 0; off < data.size(); off += 20 << 20) {
      std::string part = data.substr(off, 20 << 20);
      Value in = {{"repositoryName", repo},
                  {"uploadId", id},
                  {"partFirstByte", off},
                  {"partLastByte", off + part.size() - 1}};
      in["layerPartBlob"] = BlobValue(part);
      if (!Call("UploadLayerPart", in).ok()) return "";
    }
    std::string digest = "sha256:" + store::Hasher::Hex(data);
    auto done = Call("CompleteLayerUpload",
                     {{"repositoryName", repo}, {"uploadId", id}, {"layerDigests", {digest}}});
    if (!done.ok() && done.error().code != "LayerAlreadyExistsException") return "";
    return digest;
  }

 private:
  bool Fail(const std::string& why) {
    std::fprintf(stderr, "EcrInProcess: %s\n", why.c_str());
    return false;
  }
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  ServiceContext ctx_;  // after what it points to: destroyed first
  std::vector<std::unique_ptr<ServiceEndpoint>> services_;
};

}  // namespace nimbus::image::testing
