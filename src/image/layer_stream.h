// The uncompressed bytes of one image layer blob (gzip, zstd or a plain tar, told apart by their
// magic bytes as containerd does, whatever the media type says), hashed as they are read: the
// sha256 of everything read up to EOF is the layer's diff id. Not thread-safe; one reader.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "sandbox/fd.h"
#include "store/sha256.h"

namespace nimbus::image {

enum class Compression { kNone, kGzip, kZstd };

// What `head` (the first bytes of a blob, at least 4 when the blob has them) says the blob is.
Compression SniffCompression(std::string_view head);

class LayerStream {
 public:
  // Reads the blob file `path`. IoError when it cannot be opened.
  static Result<std::unique_ptr<LayerStream>> Open(const std::string& path);
  virtual ~LayerStream() = default;

  // Up to `size` uncompressed bytes into `buf`; 0 at the end of the stream. Corruption
  // "layer: gzip: ..." / "layer: zstd: ..." for a damaged stream, IoError on read errors.
  Result<size_t> Read(char* buf, size_t size);
  // Reads (and hashes) whatever remains, to the end.
  Status Drain();
  // "sha256:<hex>" of the bytes read so far (after Drain: the diff id).
  std::string DiffId() const { return "sha256:" + hash_.HexDigest(); }
  Compression compression() const { return compression_; }
  uint64_t bytes_out() const { return bytes_out_; }

 protected:
  LayerStream(sandbox::UniqueFd fd, Compression c) : fd_(std::move(fd)), compression_(c) {}
  // The decompressor's own read: up to `size` bytes, 0 at the end.
  virtual Result<size_t> ReadRaw(char* buf, size_t size) = 0;
  // Compressed input: up to `size` bytes of the file, 0 at its end.
  Result<size_t> ReadInput(char* buf, size_t size);

 private:
  sandbox::UniqueFd fd_;
  Compression compression_;
  store::Sha256 hash_;
  uint64_t bytes_out_ = 0;
};

}  // namespace nimbus::image
