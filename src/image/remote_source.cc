#include "image/remote_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "image/manifest.h"
#include "image/registry_client.h"
#include "store/sha256.h"

namespace nimbus::image {

struct RemoteSource::Pull {
  Pull(const std::string& registry, bool plain, const std::string& ca_file)
      : client(registry, plain, ca_file) {}
  RegistryClient client;
  bool fetched = false;
  uint64_t bytes = 0;
};

namespace {

std::string Name(const ImageRef& ref, const std::string& reference) {
  return ref.RepositoryUri() +
         (reference.starts_with("sha") && reference.find(':') != std::string::npos ? "@" : ":") +
         reference;
}

// What a registry's refusal means for a pull.
Status Refused(const ImageRef& ref, const std::string& reference, int status, bool manifest) {
  std::string name = Name(ref, reference);
  if (status == 404) {
    if (!manifest) return Status::NotFound(name + ": blob unknown");
    return Status::NotFound(
        name + (reference.find(':') != std::string::npos ? ": manifest unknown" : ": not found"));
  }
  if (status == 401 || status == 403) {
    return Status::PermissionDenied("pull access denied for " + ref.RepositoryUri() +
                                    ", repository does not exist or may require authorization");
  }
  return Status::Unavailable("unexpected status from GET request to " + name + ": " +
                             std::to_string(status));
}

}  // namespace

Result<std::unique_ptr<RemoteSource>> RemoteSource::Open(const ImageCacheOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.root + "/refs", ec);
  if (ec) return Status::Internal("image cache: create " + options.root + "/refs: " + ec.message());
  auto blobs = store::BlobStore::Open(options.root);
  if (!blobs.ok()) return blobs.error();
  auto source = std::unique_ptr<RemoteSource>(new RemoteSource(options, std::move(*blobs)));
  if (!source->log_) {
    source->log_ = [](std::string_view line) {
      std::fprintf(stderr, "nimbus: %.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
  return source;
}

std::shared_ptr<std::mutex> RemoteSource::RepoLock(const ImageRef& ref) {
  std::lock_guard lock(locks_mu_);
  auto& m = locks_[ref.RepositoryUri()];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

bool RemoteSource::PlainHttp(const std::string& registry) const {
  return std::find(plain_.begin(), plain_.end(), registry) != plain_.end();
}

std::string RemoteSource::RefPath(const ImageRef& ref) const {
  return root_ + "/refs/" + store::Hasher::Hex(ref.ToString());
}

Result<std::string> RemoteSource::Digest(const ImageRef& ref) {
  if (!ref.digest.empty()) return ref.digest;  // immutable: what is stored stays right
  std::string path = RefPath(ref);
  std::string cached;
  {
    std::ifstream in(path);
    if (!(in && std::getline(in, cached) && blobs_->Has(cached))) cached.clear();
  }
  if (!cached.empty() && behavior_ == PullBehavior::kPreferCached) return cached;
  auto pulled = PullTag(ref, path);
  if (!pulled.ok() && !cached.empty() && behavior_ == PullBehavior::kDefault) {
    log_("image: using the cached " + ref.ToString() + " (" + cached +
         "): " + pulled.error().message());
    return cached;
  }
  return pulled;
}

Result<std::string> RemoteSource::PullTag(const ImageRef& ref, const std::string& path) {
  auto repo_lock = RepoLock(ref);
  std::lock_guard lock(*repo_lock);
  Pull pull(ref.registry, PlainHttp(ref.registry), ca_file_);
  auto m = Manifest(pull, ref, ref.tag);
  if (!m.ok()) return m.error();
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << m->first << "\n";
    if (!out.flush()) return Status::Internal("image cache: write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::Internal("image cache: rename " + tmp);
  return m->first;
}

Result<std::pair<std::string, std::string>> RemoteSource::Manifest(Pull& pull, const ImageRef& ref,
                                                                   const std::string& reference) {
  bool by_digest = reference.find(':') != std::string::npos;
  if (by_digest && blobs_->Has(reference)) {
    auto bytes = blobs_->Read(reference, /*verify=*/true);
    if (!bytes.ok()) return bytes.error();
    return std::make_pair(reference, std::move(*bytes));
  }
  auto resp = pull.client.Get("/v2/" + ref.repository + "/manifests/" + reference, kManifestAccept);
  if (!resp.ok()) return resp.error();
  if (resp->status != 200) return Refused(ref, reference, resp->status, true);
  std::string digest = "sha256:" + store::Hasher::Hex(resp->body);
  if (by_digest && digest != reference && !reference.starts_with("sha512:"))
    return Status::Corruption(Name(ref, reference) + ": manifest digest mismatch (got " + digest +
                              ")");
  std::string stored_as = by_digest ? reference : digest;
  auto put = blobs_->Put(resp->body, stored_as);
  if (!put.ok()) return Status::Corruption(Name(ref, reference) + ": " + put.error().message());
  pull.fetched = true;
  pull.bytes += resp->body.size();
  return std::make_pair(stored_as, std::move(resp->body));
}

Status RemoteSource::FetchBlob(Pull& pull, const ImageRef& ref, const ecr::LayerDescriptor& blob) {
  if (blobs_->Has(blob.digest)) return Status::Ok();
  auto writer = blobs_->NewWriter();
  if (!writer.ok()) return writer.error();
  store::BlobWriter& w = **writer;
  auto resp = pull.client.Get("/v2/" + ref.repository + "/blobs/" + blob.digest, "",
                              [&w](std::string_view piece) { return w.Append(piece); });
  if (!resp.ok()) {
    w.Abort();
    return resp.error();
  }
  if (resp->status != 200) {
    w.Abort();
    return Refused(ref, blob.digest, resp->status, false);
  }
  if (blob.size > 0 && w.size() != static_cast<uint64_t>(blob.size)) {
    w.Abort();
    return Status::Corruption(Name(ref, blob.digest) + ": size " + std::to_string(w.size()) +
                              " does not match the manifest's " + std::to_string(blob.size));
  }
  pull.bytes += w.size();
  auto committed = w.Commit(blob.digest);
  if (!committed.ok())
    return Status::Corruption(Name(ref, blob.digest) + ": " + committed.error().message());
  pull.fetched = true;
  return Status::Ok();
}

Result<ecr::ResolvedImage> RemoteSource::Resolve(const ImageRef& ref, const std::string& digest) {
  auto repo_lock = RepoLock(ref);
  std::lock_guard lock(*repo_lock);
  auto start = std::chrono::steady_clock::now();
  Pull pull(ref.registry, PlainHttp(ref.registry), ca_file_);
  auto top = Manifest(pull, ref, digest);
  if (!top.ok()) return top.error();
  ecr::ResolvedImage out;
  out.digest = digest;
  if (IsIndex("", top->second)) {
    auto child = SelectPlatform(top->second, ecr::HostPlatform());
    if (!child.ok()) {
      if (child.error().code() == StatusCode::kNotFound)
        return Status::NotFound(Name(ref, digest) + ": " + child.error().message() + ": not found");
      return Status::Corruption(Name(ref, digest) + ": " + child.error().message());
    }
    top = Manifest(pull, ref, *child);
    if (!top.ok()) return top.error();
  }
  auto parsed = ParseImageManifest(top->second);
  if (!parsed.ok()) return Status::Corruption(Name(ref, digest) + ": " + parsed.error().message());
  out.manifest_digest = top->first;
  out.manifest = std::move(top->second);
  out.config_digest = parsed->config.digest;
  out.layers = std::move(parsed->layers);
  if (Status st = FetchBlob(pull, ref, parsed->config); !st.ok()) return st;
  auto config = blobs_->Read(out.config_digest, /*verify=*/true);
  if (!config.ok()) return config.error();
  out.config = std::move(*config);
  for (const auto& layer : out.layers) {
    if (Status st = FetchBlob(pull, ref, layer); !st.ok()) return st;
  }
  if (pull.fetched) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    std::ostringstream line;
    line << "image: pulled " << ref.ToString() << " (" << digest << "): " << out.layers.size()
         << " layers, " << pull.bytes << " bytes in " << ms << " ms";
    log_(line.str());
  }
  return out;
}

Result<std::string> RemoteSource::BlobPath(const ImageRef& ref, const ecr::LayerDescriptor& blob) {
  if (auto path = blobs_->Path(blob.digest); path.ok()) return std::move(*path);
  auto repo_lock = RepoLock(ref);
  std::lock_guard lock(*repo_lock);
  Pull pull(ref.registry, PlainHttp(ref.registry), ca_file_);
  if (Status st = FetchBlob(pull, ref, blob); !st.ok()) return st;
  return blobs_->Path(blob.digest);
}

}  // namespace nimbus::image
