#include "image/layer_stream.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace nimbus::image {
namespace {

constexpr size_t kInputChunk = 128 * 1024;

class PlainStream : public LayerStream {
 public:
  explicit PlainStream(sandbox::UniqueFd fd) : LayerStream(std::move(fd), Compression::kNone) {}
  Result<size_t> ReadRaw(char* buf, size_t size) override { return ReadInput(buf, size); }
};

// gzip, including several concatenated members (pigz and some registries write them).
class GzipStream : public LayerStream {
 public:
  GzipStream(sandbox::UniqueFd fd)
      : LayerStream(std::move(fd), Compression::kGzip), in_(kInputChunk) {
    std::memset(&z_, 0, sizeof(z_));
    ok_ = inflateInit2(&z_, 15 + 16) == Z_OK;
  }
  ~GzipStream() override {
    if (ok_) inflateEnd(&z_);
  }

  Result<size_t> ReadRaw(char* buf, size_t size) override {
    if (!ok_) return Status::Internal("layer: gzip: inflateInit failed");
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = static_cast<uInt>(size);
    while (z_.avail_out == size && !done_) {
      if (z_.avail_in == 0) {
        auto n = ReadInput(in_.data(), in_.size());
        if (!n.ok()) return n.error();
        if (*n == 0) {
          if (!member_started_) {  // clean end between members
            done_ = true;
            break;
          }
          return Status::Corruption("layer: gzip: unexpected end of data");
        }
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(*n);
      }
      member_started_ = true;
      int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        member_started_ = false;
        if (inflateReset(&z_) != Z_OK) return Status::Internal("layer: gzip: inflateReset failed");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::Corruption(std::string("layer: gzip: ") + (z_.msg ? z_.msg : "bad data"));
      }
    }
    return size - z_.avail_out;
  }

 private:
  z_stream z_;
  bool ok_ = false;
  bool done_ = false;
  bool member_started_ = false;
  std::vector<char> in_;
};

class ZstdStream : public LayerStream {
 public:
  ZstdStream(sandbox::UniqueFd fd)
      : LayerStream(std::move(fd), Compression::kZstd),
        ctx_(ZSTD_createDStream()),
        in_(kInputChunk) {
    if (ctx_) ZSTD_initDStream(ctx_);
  }
  ~ZstdStream() override { ZSTD_freeDStream(ctx_); }

  Result<size_t> ReadRaw(char* buf, size_t size) override {
    if (!ctx_) return Status::Internal("layer: zstd: cannot create a decompression context");
    ZSTD_outBuffer out{buf, size, 0};
    while (out.pos == 0 && !done_) {
      if (input_.pos == input_.size) {
        auto n = ReadInput(in_.data(), in_.size());
        if (!n.ok()) return n.error();
        if (*n == 0) {
          if (frame_open_) return Status::Corruption("layer: zstd: unexpected end of data");
          done_ = true;
          break;
        }
        input_ = {in_.data(), *n, 0};
      }
      size_t rc = ZSTD_decompressStream(ctx_, &out, &input_);
      if (ZSTD_isError(rc)) {
        return Status::Corruption(std::string("layer: zstd: ") + ZSTD_getErrorName(rc));
      }
      frame_open_ = rc != 0;
    }
    return out.pos;
  }

 private:
  ZSTD_DStream* ctx_;
  std::vector<char> in_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool frame_open_ = false;
  bool done_ = false;
};

}  // namespace

Compression SniffCompression(std::string_view head) {
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
      static_cast<unsigned char>(head[1]) == 0x8b)
    return Compression::kGzip;
  if (head.size() >= 4 && head.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4))
    return Compression::kZstd;
  return Compression::kNone;
}

Result<std::unique_ptr<LayerStream>> LayerStream::Open(const std::string& path) {
  sandbox::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::IoError("layer: open " + path + ": " + std::strerror(errno));
  char head[4];
  ssize_t n = ::pread(fd.get(), head, sizeof(head), 0);
  if (n < 0) return Status::IoError("layer: read " + path + ": " + std::strerror(errno));
  (void)::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  switch (SniffCompression(std::string_view(head, static_cast<size_t>(n)))) {
    case Compression::kGzip:
      return std::unique_ptr<LayerStream>(std::make_unique<GzipStream>(std::move(fd)));
    case Compression::kZstd:
      return std::unique_ptr<LayerStream>(std::make_unique<ZstdStream>(std::move(fd)));
    case Compression::kNone:
      break;
  }
  return std::unique_ptr<LayerStream>(std::make_unique<PlainStream>(std::move(fd)));
}

Result<size_t> LayerStream::Read(char* buf, size_t size) {
  auto n = ReadRaw(buf, size);
  if (n.ok() && *n > 0) {
    hash_.Update(std::string_view(buf, *n));
    bytes_out_ += *n;
  }
  return n;
}

Status LayerStream::Drain() {
  std::vector<char> buf(64 * 1024);
  while (true) {
    auto n = Read(buf.data(), buf.size());
    if (!n.ok()) return n.error();
    if (*n == 0) return Status::Ok();
  }
}

Result<size_t> LayerStream::ReadInput(char* buf, size_t size) {
  while (true) {
    ssize_t n = ::read(fd_.get(), buf, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Status::IoError(std::string("layer: read: ") + std::strerror(errno));
  }
}

}  // namespace nimbus::image
