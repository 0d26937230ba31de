// Internal to the image cache: images of other registries, pulled by nimbus's OCI client
// (registry_client.h) into the cache's own blob store (<root>/blobs, every blob verified by
// digest) and remembered by reference (<root>/refs), so a second Prepare of the same reference is
// offline (nimbus prefers what it has, as the ECS agent's ECS_IMAGE_PULL_BEHAVIOR=prefer-cached;
// delete the data dir's images/ to pull again). A pull writes one line through `log`.
// Thread-safe: pulls of one reference are serialized.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "image/image_source.h"
#include "store/blob_store.h"

namespace nimbus::image {

class RemoteSource : public ImageSource {
 public:
  static Result<std::unique_ptr<RemoteSource>> Open(const std::string& root,
                                                    std::vector<std::string> plain_http_registries,
                                                    std::string tls_ca_file,
                                                    std::function<void(std::string_view)> log);

  Result<std::string> Digest(const ImageRef& ref) override;
  // Pulls what is missing (manifests, config, every layer blob), then answers from the store.
  Result<ecr::ResolvedImage> Resolve(const ImageRef& ref, const std::string& digest) override;
  Result<std::string> BlobPath(const ImageRef& ref, const ecr::LayerDescriptor& blob) override;

 private:
  RemoteSource(std::string root, std::unique_ptr<store::BlobStore> blobs,
               std::vector<std::string> plain, std::string ca_file,
               std::function<void(std::string_view)> log)
      : root_(std::move(root)),
        blobs_(std::move(blobs)),
        plain_(std::move(plain)),
        ca_file_(std::move(ca_file)),
        log_(std::move(log)) {}
  struct Pull;
  bool PlainHttp(const std::string& registry) const;
  std::string RefPath(const ImageRef& ref) const;
  // The manifest `reference` names: from the store, else fetched, verified and stored.
  Result<std::pair<std::string, std::string>> Manifest(Pull& pull, const ImageRef& ref,
                                                       const std::string& reference);
  Status FetchBlob(Pull& pull, const ImageRef& ref, const ecr::LayerDescriptor& blob);

  std::string root_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::vector<std::string> plain_;
  std::string ca_file_;
  std::function<void(std::string_view)> log_;
  std::mutex pull_mu_;  // one pull at a time (they share the 2-core machine's bandwidth anyway)
};

}  // namespace nimbus::image
