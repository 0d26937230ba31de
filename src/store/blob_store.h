// Content-addressed blob storage under <data-dir>/blobs:
//   blobs/sha256/ab/abcdef...   committed blobs, named by the hex SHA-256 of their bytes
//   blobs/sha512/ab/abcdef...   blobs committed under a sha512 digest (OCI allows either)
//   blobs/tmp/<pid>-<n>.tmp     in-progress writes (removed once their process is gone)
//   blobs/uploads/<id>          resumable uploads, and <id>.label (the caller's note about it)
// A commit fsyncs the data once, renames it into place and fsyncs the directory, so a blob
// that Put/Commit reported is durable and never partially visible. Nothing is fsynced while
// data arrives; writeback is only started early so the final fsync finds little left to do.
//
// Digests are "sha256:<64 lower-case hex>" or "sha512:<128 lower-case hex>" (OCI form);
// functions taking a digest also accept a bare sha256 hex. Anything else is InvalidArgument (so
// digests can never escape the directory). A blob is stored under the algorithm it was
// committed with: the same bytes under sha256 and sha512 are two blobs.
//
// Thread-safe: all methods may be called concurrently; writers are independent. A Writer is
// used by one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/sha256.h"

namespace nimbus::store {

class BlobStore;

// Streams one blob to a file, hashing as bytes arrive; memory stays flat whatever the size.
// Destroying a writer that was not committed aborts it, except for a resumable upload's
// writer, which only closes its file so the upload can be resumed.
class BlobWriter {
 public:
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Appends bytes. FailedPrecondition after Commit/Abort or a failure not undone by Rewind.
  Status Append(std::string_view chunk);
  // Remembers the current end (size and digest state) for Rewind.
  void Mark();
  // Cuts the data back to the last Mark (the start when none) and restores its digest state,
  // so an append that failed half-way leaves no trace. Clears a write failure.
  Status Rewind();
  // Finishes the blob: digest check against `expected_digest` when non-empty (InvalidArgument
  // "digest mismatch" and the data is discarded), fsync, rename into place, fsync the
  // directory; content already stored is not written again. Returns the digest, in the
  // expected digest's algorithm (sha512 costs one more read of the data), else sha256. The
  // writer is finished afterwards either way.
  Result<std::string> Commit(std::string_view expected_digest = {});
  // Discards the data (and a resumable upload's label). Idempotent.
  void Abort();
  uint64_t size() const { return size_; }

 private:
  friend class BlobStore;
  BlobWriter(const BlobStore& store, std::string path, int fd, std::string label_path);
  void Close();
  Status Fail(Status st);
  // Hex digest of the data written so far, read back from the file.
  Result<std::string> HashFile(DigestAlgorithm algorithm) const;

  const BlobStore& store_;
  std::string path_;
  std::string label_path_;  // non-empty for a resumable upload
  int fd_;
  uint64_t size_ = 0;
  uint64_t mark_size_ = 0;
  uint64_t flushed_ = 0;  // writeback started up to here
  Sha256 hash_;
  Sha256 mark_hash_;
  bool failed_ = false;
};

class BlobStore {
 public:
  // Creates <data_dir>/blobs/{sha256,tmp,uploads} (0700) and removes temp files left by
  // processes that no longer run (resumable uploads stay).
  static Result<std::unique_ptr<BlobStore>> Open(const std::string& data_dir);

  // Writes `data` as a blob (see BlobWriter::Commit). Idempotent for identical content.
  Result<std::string> Put(std::string_view data, std::string_view expected_digest = {});
  // Starts a streaming write.
  Result<std::unique_ptr<BlobWriter>> NewWriter();

  // Starts resumable upload `id` (1-64 of [A-Za-z0-9_-]; InvalidArgument otherwise,
  // AlreadyExists when taken) with `label` stored beside it. Its data survives the writer and
  // the process until it is committed or aborted.
  Result<std::unique_ptr<BlobWriter>> CreateUpload(std::string_view id, std::string_view label);
  // Reopens upload `id` at its current size (re-reading its bytes for the digest state) and
  // sets `label`. NotFound when there is no such upload.
  Result<std::unique_ptr<BlobWriter>> ResumeUpload(std::string_view id, std::string& label);
  // Deletes uploads not written for longer than `max_age`, except those `in_use` names.
  // Returns how many were deleted.
  size_t RemoveStaleUploads(std::chrono::seconds max_age,
                            const std::function<bool(std::string_view id)>& in_use);

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
  struct Name {
    DigestAlgorithm algorithm = DigestAlgorithm::kSha256;
    std::string hex;
    const char* prefix() const {
      return algorithm == DigestAlgorithm::kSha512 ? "sha512" : "sha256";
    }
    std::string digest() const { return std::string(prefix()) + ":" + hex; }
  };
  // "sha256:<hex>", "sha512:<hex>" or a bare sha256 "<hex>"; InvalidArgument otherwise.
  static Result<Name> NameOf(std::string_view digest);
  std::string PathOf(const Name& name) const;
  // Moves a finished file to blob `name` (fsyncing it unless the blob is already there).
  Status Install(int fd, const std::string& path, const Name& name) const;
  Result<std::string> UploadPath(std::string_view id) const;

  std::string root_;  // <data_dir>/blobs
  mutable std::atomic<uint64_t> next_tmp_{0};
};

}  // namespace nimbus::store
