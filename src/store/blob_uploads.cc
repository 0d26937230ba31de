// BlobStore's resumable uploads: blobs/uploads/<id> (data) and <id>.label (the caller's note).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "store/blob_store.h"
#include "store/fs.h"

namespace nimbus::store {
namespace {

constexpr std::string_view kLabelSuffix = ".label";

bool ValidUploadId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::string> BlobStore::UploadPath(std::string_view id) const {
  if (!ValidUploadId(id)) return Status::InvalidArgument("invalid upload id " + std::string(id));
  return root_ + "/uploads/" + std::string(id);
}

Result<std::unique_ptr<BlobWriter>> BlobStore::CreateUpload(std::string_view id,
                                                            std::string_view label) {
  auto path = UploadPath(id);
  if (!path.ok()) return path.take_error();
  std::string label_path = *path + std::string(kLabelSuffix);
  int fd = ::open(path->c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists("upload " + std::string(id) + " exists");
    return ErrnoStatus("create", *path);
  }
  // The writer owns fd from here: failing below aborts the upload (both files).
  std::unique_ptr<BlobWriter> writer(new BlobWriter(*this, *path, fd, label_path));
  int lfd = ::open(label_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (lfd < 0) {
    Status st = ErrnoStatus("create", label_path);
    writer->Abort();
    return st;
  }
  Status st = WriteAll(lfd, label, label_path);
  ::close(lfd);
  if (!st.ok()) {
    writer->Abort();
    return st;
  }
  return writer;
}

Result<std::unique_ptr<BlobWriter>> BlobStore::ResumeUpload(std::string_view id,
                                                            std::string& label) {
  auto path = UploadPath(id);
  if (!path.ok()) return path.take_error();
  std::string label_path = *path + std::string(kLabelSuffix);
  int lfd = ::open(label_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (lfd < 0) {
    if (errno == ENOENT) return Status::NotFound("upload " + std::string(id));
    return ErrnoStatus("open", label_path);
  }
  std::string text;
  Status st = ReadChunks(lfd, label_path, [&text](std::string_view p) { text.append(p); });
  ::close(lfd);
  if (!st.ok()) return st;
  int fd = ::open(path->c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("upload " + std::string(id));
    return ErrnoStatus("open", *path);
  }
  std::unique_ptr<BlobWriter> writer(new BlobWriter(*this, *path, fd, label_path));
  st = ReadChunks(fd, *path, [&writer](std::string_view piece) {
    writer->hash_.Update(piece);
    writer->size_ += piece.size();
  });
  if (!st.ok()) return st;  // the writer closes; the upload stays for another try
  writer->flushed_ = writer->size_;
  writer->Mark();
  if (writer->failed_ || !writer->hash_.ok()) return Status::Internal("sha256 state failed");
  label = std::move(text);
  return writer;
}

size_t BlobStore::RemoveStaleUploads(std::chrono::seconds max_age,
                                     const std::function<bool(std::string_view)>& in_use) {
  std::string dir_path = root_ + "/uploads";
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) return 0;
  time_t cutoff = ::time(nullptr) - static_cast<time_t>(max_age.count());
  size_t removed = 0;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    std::string_view id = name;
    if (id.ends_with(kLabelSuffix)) id.remove_suffix(kLabelSuffix.size());
    std::string path = dir_path + "/" + std::string(name);
    // An upload's age is its data's (a label is never rewritten); an orphan label's is its own.
    struct stat st;
    std::string data_path = dir_path + "/" + std::string(id);
    if (::stat(data_path.c_str(), &st) != 0 && ::stat(path.c_str(), &st) != 0) continue;
    if (st.st_mtime >= cutoff) continue;
    if (ValidUploadId(id) && in_use(id)) continue;
    if (::unlink(path.c_str()) == 0 && id.size() == name.size()) ++removed;
  }
  ::closedir(dir);
  return removed;
}

}  // namespace nimbus::store
