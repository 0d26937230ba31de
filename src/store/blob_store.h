// Content-addressed blob storage under <data-dir>/blobs:
//   blobs/sha256/ab/abcdef...   committed blobs, named by the hex SHA-256 of their bytes
//   blobs/tmp/<pid>-<n>.tmp     in-progress writes
// A write goes to a temp file, is fsync'ed, renamed into place, and the directory is fsync'ed,
// so a blob that Put/Commit reported is durable and never partially visible.
//
// Digests are "sha256:<64 lower-case hex>" (OCI form); functions taking a digest also accept
// the bare hex. Anything else is InvalidArgument (so digests can never escape the directory).
//
// Thread-safe: all methods may be called concurrently; writers are independent. A Writer is
// used by one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nimbus::store {

class BlobStore;
}  // namespace nimbus::store

struct evp_md_ctx_st;  // OpenSSL EVP_MD_CTX

namespace nimbus::store {

// Streams one blob to a temp file; memory stays flat whatever the size. Destroying a writer
// that was not committed aborts it.
class BlobWriter {
 public:
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Appends bytes. FailedPrecondition after Commit/Abort or a previous failure.
  Status Append(std::string_view chunk);
  // Finishes the blob: fsync, digest check against `expected_digest` when non-empty
  // (InvalidArgument "digest mismatch" and the data is discarded), rename into place, fsync the
  // directory. Returns the digest. The writer is finished afterwards either way.
  Result<std::string> Commit(std::string_view expected_digest = {});
  // Discards the data. Idempotent.
  void Abort();
  uint64_t size() const { return size_; }

 private:
  friend class BlobStore;
  BlobWriter(const BlobStore& store, std::string tmp_path, int fd);

  const BlobStore& store_;
  std::string tmp_path_;
  int fd_;
  uint64_t size_ = 0;
  evp_md_ctx_st* hash_;
  bool failed_ = false;
};

class BlobStore {
 public:
  // Creates <data_dir>/blobs/{sha256,tmp} (0700) and removes temp files left by processes that
  // no longer run.
  static Result<std::unique_ptr<BlobStore>> Open(const std::string& data_dir);

  // Writes `data` as a blob (see BlobWriter::Commit). Idempotent for identical content.
  Result<std::string> Put(std::string_view data, std::string_view expected_digest = {});
  // Starts a streaming write.
  Result<std::unique_ptr<BlobWriter>> NewWriter();

  bool Has(std::string_view digest) const;
  // NotFound when absent.
  Result<uint64_t> Size(std::string_view digest) const;
  // Path of the committed blob file (for sendfile); NotFound when absent.
  Result<std::string> Path(std::string_view digest) const;
  // Whole blob in memory; with verify, Corruption if the bytes no longer hash to `digest`.
  Result<std::string> Read(std::string_view digest, bool verify = false) const;
  // NotFound when absent.
  Status Remove(std::string_view digest);

  const std::string& root() const { return root_; }

 private:
  friend class BlobWriter;
  explicit BlobStore(std::string root) : root_(std::move(root)) {}
  // "sha256:<hex>" or "<hex>" -> hex; InvalidArgument otherwise.
  static Result<std::string> HexOf(std::string_view digest);
  std::string PathOfHex(const std::string& hex) const;
  Status Install(const std::string& tmp_path, const std::string& hex) const;

  std::string root_;  // <data_dir>/blobs
  mutable std::atomic<uint64_t> next_tmp_{0};
};

}  // namespace nimbus::store
