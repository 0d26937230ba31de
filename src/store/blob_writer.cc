// BlobWriter: appends hashed as they arrive, rewinds, commit.
#include <fcntl.h>
#include <unistd.h>

#include "store/blob_store.h"
#include "store/fs.h"

namespace nimbus::store {
namespace {

// Writeback of appended data starts every this many bytes, so Commit's fsync has little left.
constexpr uint64_t kWritebackBytes = 8 << 20;

}  // namespace

BlobWriter::BlobWriter(const BlobStore& store, std::string path, int fd, std::string label_path)
    : store_(store), path_(std::move(path)), label_path_(std::move(label_path)), fd_(fd) {
  mark_hash_.CopyFrom(hash_);
  failed_ = !hash_.ok() || !mark_hash_.ok();
}

BlobWriter::~BlobWriter() {
  if (label_path_.empty()) {
    Abort();
  } else {
    Close();  // a resumable upload outlives its writer
  }
}

Status BlobWriter::Fail(Status st) {
  failed_ = true;
  return st;
}

Status BlobWriter::Append(std::string_view chunk) {
  if (fd_ < 0 || failed_) return Status::FailedPrecondition("blob writer is finished or failed");
  Status st = PWriteAll(fd_, chunk, size_, path_);
  if (!st.ok()) return Fail(st);
  hash_.Update(chunk);
  if (!hash_.ok()) return Fail(Status::Internal("sha256 update failed"));
  size_ += chunk.size();
  if (size_ - flushed_ >= kWritebackBytes) {
    // Start writeback now (asynchronous); durability still comes from Commit's fsync.
    ::sync_file_range(fd_, static_cast<off_t>(flushed_), static_cast<off_t>(size_ - flushed_),
                      SYNC_FILE_RANGE_WRITE);
    flushed_ = size_;
  }
  return Status::Ok();
}

void BlobWriter::Mark() {
  if (fd_ < 0 || failed_) return;
  mark_hash_.CopyFrom(hash_);
  failed_ = !mark_hash_.ok();
  mark_size_ = size_;
}

Status BlobWriter::Rewind() {
  if (fd_ < 0) return Status::FailedPrecondition("blob writer is finished");
  if (::ftruncate(fd_, static_cast<off_t>(mark_size_)) != 0) {
    return Fail(ErrnoStatus("truncate", path_));
  }
  hash_.CopyFrom(mark_hash_);
  if (!hash_.ok()) return Fail(Status::Internal("sha256 state copy failed"));
  size_ = mark_size_;
  if (flushed_ > size_) flushed_ = size_;
  failed_ = false;
  return Status::Ok();
}

Result<std::string> BlobWriter::Commit(std::string_view expected_digest) {
  if (fd_ < 0 || failed_) {
    Abort();
    return Status::FailedPrecondition("blob writer is finished or failed");
  }
  BlobStore::Name expected;
  if (!expected_digest.empty()) {
    auto name = BlobStore::NameOf(expected_digest);
    if (!name.ok()) {
      Abort();
      return name.take_error();
    }
    expected = std::move(name.value());
  }
  BlobStore::Name got{expected.algorithm, ""};
  if (got.algorithm == DigestAlgorithm::kSha256) {
    got.hex = hash_.HexDigest();
  } else {
    auto hex = HashFile(got.algorithm);
    if (!hex.ok()) {
      Abort();
      return hex.take_error();
    }
    got.hex = std::move(*hex);
  }
  if (got.hex.empty()) {
    Abort();
    return Status::Internal(std::string(got.prefix()) + " digest failed");
  }
  if (!expected.hex.empty() && expected.hex != got.hex) {
    Abort();
    return Status::InvalidArgument("digest mismatch: expected " + expected.digest() + ", got " +
                                   got.digest());
  }
  Status st = store_.Install(fd_, path_, got);
  Close();
  if (!label_path_.empty()) ::unlink(label_path_.c_str());
  if (!st.ok()) {
    ::unlink(path_.c_str());
    return st;
  }
  return got.digest();
}

Result<std::string> BlobWriter::HashFile(DigestAlgorithm algorithm) const {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path_);
  Hasher hash(algorithm);
  Status st = ReadChunks(fd, path_, [&hash](std::string_view piece) { hash.Update(piece); });
  ::close(fd);
  if (!st.ok()) return st;
  return hash.ok() ? hash.HexDigest() : std::string();
}

void BlobWriter::Close() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
}

void BlobWriter::Abort() {
  if (fd_ < 0) return;
  Close();
  ::unlink(path_.c_str());
  if (!label_path_.empty()) ::unlink(label_path_.c_str());
}

}  // namespace nimbus::store
