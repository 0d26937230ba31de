// Lambda code packages: zips are kept in the BlobStore (durably, before any 2xx) and extracted
// to content-addressed, read-only directories <data_dir>/lambda/code/<sha256 hex>/ shared by
// every function and layer version with the same zip.
//
// Extraction is safe against hostile archives: entries with absolute paths or ".." escaping
// the root, symlinks resolving outside the root, encrypted entries, bad CRCs and zip bombs are
// rejected; the Unix executable bit of each entry is kept (files 0555 or 0444, dirs 0555).
//
// Thread-safe: concurrent ingests/extractions of the same digest race benignly (the first
// rename wins).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/aws_error.h"
#include "core/status.h"
#include "store/blob_store.h"

namespace nimbus::lambda {

// AWS's deployment package limits.
inline constexpr uint64_t kMaxZippedBytes = 50ull * 1024 * 1024;  // direct upload
inline constexpr uint64_t kMaxUnzippedBytes = 262'144'000;        // code + layers
inline constexpr uint64_t kMaxRequestBytes = 69'905'067;          // base64 of 50 MB

struct CodeInfo {
  std::string hex;             // sha256 hex of the zip (blob digest, directory name)
  std::string sha256_base64;   // CodeSha256 as AWS reports it
  uint64_t size = 0;           // zip bytes (CodeSize)
  uint64_t unzipped_size = 0;  // sum of the entries' sizes
};

class CodeStore {
 public:
  // `blobs` must outlive the store; directories live under <data_dir>/lambda/code.
  CodeStore(store::BlobStore& blobs, std::string data_dir);

  // Validates `zip`, stores it as a blob and extracts it. AWS errors:
  // InvalidParameterValueException for unreadable or unsafe zips and for unzipped sizes over
  // the limit, ServiceException when the disk fails.
  Result<CodeInfo, AwsError> Ingest(std::string_view zip);
  // Directory of an ingested zip, re-extracting it from the blob when it went missing.
  Result<std::string> EnsureExtracted(const std::string& hex);
  // <data_dir>/lambda/code/<hex> (may not exist).
  std::string DirFor(const std::string& hex) const { return root_ + "/" + hex; }
  // Path of the zip blob, for downloads; NotFound when absent.
  Result<std::string> ZipPath(const std::string& hex) const { return blobs_.Path(hex); }

 private:
  store::BlobStore& blobs_;
  std::string root_;  // <data_dir>/lambda/code
};

// Extracts `zip` into the new directory `dest` (which must not exist) with the safety rules
// above. InvalidArgument describes what made the archive unsafe or unreadable; IoError for the
// filesystem. On failure nothing is left at `dest`.
Status ExtractZip(std::string_view zip, const std::string& dest,
                  uint64_t max_unzipped = kMaxUnzippedBytes);

// Removes a directory tree, including read-only directories. Best effort.
void RemoveTree(const std::string& path);

}  // namespace nimbus::lambda
