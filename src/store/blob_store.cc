#include "store/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "store/fs.h"

namespace nimbus::store {
namespace {

std::string Hex(const unsigned char* d, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
  return out;
}

// Removes temp files whose writer process is gone ("<pid>-<n>.tmp"; anything else is junk).
void CleanTemp(const std::string& tmp_dir) {
  DIR* dir = ::opendir(tmp_dir.c_str());
  if (dir == nullptr) return;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    long pid = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    bool alive = ec == std::errc() && ptr != name.data() + name.size() && *ptr == '-' && pid > 0 &&
                 (pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (!alive) ::unlink((tmp_dir + "/" + std::string(name)).c_str());
  }
  ::closedir(dir);
}

}  // namespace

BlobWriter::BlobWriter(const BlobStore& store, std::string tmp_path, int fd)
    : store_(store), tmp_path_(std::move(tmp_path)), fd_(fd), hash_(EVP_MD_CTX_new()) {
  if (hash_ == nullptr || EVP_DigestInit_ex(hash_, EVP_sha256(), nullptr) != 1) failed_ = true;
}

BlobWriter::~BlobWriter() {
  Abort();
  EVP_MD_CTX_free(hash_);
}

Status BlobWriter::Append(std::string_view chunk) {
  if (fd_ < 0 || failed_) return Status::FailedPrecondition("blob writer is finished or failed");
  Status st = WriteAll(fd_, chunk, tmp_path_);
  if (!st.ok()) {
    failed_ = true;
    return st;
  }
  EVP_DigestUpdate(hash_, chunk.data(), chunk.size());
  size_ += chunk.size();
  return Status::Ok();
}

Result<std::string> BlobWriter::Commit(std::string_view expected_digest) {
  if (fd_ < 0 || failed_) {
    Abort();
    return Status::FailedPrecondition("blob writer is finished or failed");
  }
  std::string expected_hex;
  if (!expected_digest.empty()) {
    auto hex = BlobStore::HexOf(expected_digest);
    if (!hex.ok()) {
      Abort();
      return hex.take_error();
    }
    expected_hex = std::move(hex.value());
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(hash_, md, &md_len);
  std::string hex = Hex(md, md_len);
  if (!expected_hex.empty() && expected_hex != hex) {
    Abort();
    return Status::InvalidArgument("digest mismatch: expected sha256:" + expected_hex +
                                   ", got sha256:" + hex);
  }
  if (::fsync(fd_) != 0) {
    Status st = ErrnoStatus("fsync", tmp_path_);
    Abort();
    return st;
  }
  ::close(fd_);
  fd_ = -1;
  Status st = store_.Install(tmp_path_, hex);
  if (!st.ok()) {
    ::unlink(tmp_path_.c_str());
    return st;
  }
  return "sha256:" + hex;
}

void BlobWriter::Abort() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_path_.c_str());
}

Result<std::unique_ptr<BlobStore>> BlobStore::Open(const std::string& data_dir) {
  NIMBUS_RETURN_IF_ERROR(MakeDirs(data_dir));
  std::string root = data_dir + "/blobs";
  NIMBUS_RETURN_IF_ERROR(MakeDirs(root + "/sha256"));
  NIMBUS_RETURN_IF_ERROR(MakeDirs(root + "/tmp"));
  CleanTemp(root + "/tmp");
  return std::unique_ptr<BlobStore>(new BlobStore(std::move(root)));
}

Result<std::string> BlobStore::HexOf(std::string_view digest) {
  std::string_view hex = digest;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  bool ok = hex.size() == 64;
  for (char c : hex) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) return Status::InvalidArgument("invalid sha256 digest: " + std::string(digest));
  return std::string(hex);
}

std::string BlobStore::PathOfHex(const std::string& hex) const {
  return root_ + "/sha256/" + hex.substr(0, 2) + "/" + hex;
}

Status BlobStore::Install(const std::string& tmp_path, const std::string& hex) const {
  std::string dir = root_ + "/sha256/" + hex.substr(0, 2);
  if (::mkdir(dir.c_str(), 0700) == 0) {
    NIMBUS_RETURN_IF_ERROR(SyncDir(root_ + "/sha256"));
  } else if (errno != EEXIST) {
    return ErrnoStatus("mkdir", dir);
  }
  std::string dest = dir + "/" + hex;
  if (::rename(tmp_path.c_str(), dest.c_str()) != 0) return ErrnoStatus("rename to", dest);
  return SyncDir(dir);
}

Result<std::unique_ptr<BlobWriter>> BlobStore::NewWriter() {
  std::string path = root_ + "/tmp/" + std::to_string(::getpid()) + "-" +
                     std::to_string(next_tmp_.fetch_add(1)) + ".tmp";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create", path);
  return std::unique_ptr<BlobWriter>(new BlobWriter(*this, std::move(path), fd));
}

Result<std::string> BlobStore::Put(std::string_view data, std::string_view expected_digest) {
  auto w = NewWriter();
  if (!w.ok()) return w.take_error();
  NIMBUS_RETURN_IF_ERROR((*w)->Append(data));
  return (*w)->Commit(expected_digest);
}

bool BlobStore::Has(std::string_view digest) const { return Size(digest).ok(); }

Result<uint64_t> BlobStore::Size(std::string_view digest) const {
  auto path = Path(digest);
  if (!path.ok()) return path.take_error();
  struct stat st;
  if (::stat(path->c_str(), &st) != 0) return Status::NotFound("blob " + std::string(digest));
  return static_cast<uint64_t>(st.st_size);
}

Result<std::string> BlobStore::Path(std::string_view digest) const {
  auto hex = HexOf(digest);
  if (!hex.ok()) return hex.take_error();
  std::string path = PathOfHex(*hex);
  if (::access(path.c_str(), F_OK) != 0) return Status::NotFound("blob " + std::string(digest));
  return path;
}

Result<std::string> BlobStore::Read(std::string_view digest, bool verify) const {
  auto path = Path(digest);
  if (!path.ok()) return path.take_error();
  int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", *path);
  std::string out;
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status st = ErrnoStatus("read", *path);
      ::close(fd);
      return st;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (verify) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(out.data(), out.size(), md, &len, EVP_sha256(), nullptr);
    if (Hex(md, len) != *HexOf(digest)) return Status::Corruption("blob " + *path + " is corrupt");
  }
  return out;
}

Status BlobStore::Remove(std::string_view digest) {
  auto path = Path(digest);
  if (!path.ok()) return path.error();
  if (::unlink(path->c_str()) != 0) {
    return errno == ENOENT ? Status::NotFound("blob " + std::string(digest))
                           : ErrnoStatus("unlink", *path);
  }
  return SyncDir(path->substr(0, path->find_last_of('/')));
}

}  // namespace nimbus::store
