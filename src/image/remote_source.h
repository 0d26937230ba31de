// Internal to the image cache: images of other registries, pulled by nimbus's OCI client
// (registry_client.h) into the cache's own blob store (<root>/blobs, every blob verified by
// digest) and remembered by reference (<root>/refs), so a second Prepare of the same reference
// can be offline (ImageCacheOptions::pull_behavior says when a tag is asked for again). A pull
// writes one line through `log`. Thread-safe: pulls of one repository are serialized.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "image/image_cache.h"
#include "image/image_source.h"
#include "store/blob_store.h"

namespace nimbus::image {

class RemoteSource : public ImageSource {
 public:
  // Under options.root (refs/, blobs/), with its registries, CA bundle, behaviour and log.
  static Result<std::unique_ptr<RemoteSource>> Open(const ImageCacheOptions& options);

  Result<std::string> Digest(const ImageRef& ref) override;
  // Pulls what is missing (manifests, config, every layer blob), then answers from the store.
  Result<ecr::ResolvedImage> Resolve(const ImageRef& ref, const std::string& digest) override;
  Result<std::string> BlobPath(const ImageRef& ref, const ecr::LayerDescriptor& blob) override;

 private:
  RemoteSource(const ImageCacheOptions& options, std::unique_ptr<store::BlobStore> blobs)
      : root_(options.root),
        blobs_(std::move(blobs)),
        plain_(options.plain_http_registries),
        ca_file_(options.tls_ca_file),
        behavior_(options.pull_behavior),
        log_(options.log) {}
  // The lock serializing pulls of `ref`'s repository.
  std::shared_ptr<std::mutex> RepoLock(const ImageRef& ref);
  // Fetches the tag's manifest and records what it names.
  Result<std::string> PullTag(const ImageRef& ref, const std::string& path);
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
  PullBehavior behavior_;
  std::function<void(std::string_view)> log_;
  std::mutex locks_mu_;
  std::map<std::string, std::shared_ptr<std::mutex>> locks_;  // by repository URI
};

}  // namespace nimbus::image
