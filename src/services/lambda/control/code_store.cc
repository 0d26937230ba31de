#include "services/lambda/control/code_store.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/ids.h"
#include "protocol/wire.h"
#include "services/lambda/control/errors.h"
#include "services/lambda/control/zip_reader.h"
#include "store/fs.h"

namespace nimbus::lambda {
namespace {

std::string Sha256Raw(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Hex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

CodeStore::CodeStore(store::BlobStore& blobs, std::string data_dir)
    : blobs_(blobs), root_(std::move(data_dir) + "/lambda/code") {}

Result<CodeInfo, AwsError> CodeStore::Ingest(std::string_view zip) {
  if (zip.size() > kMaxZippedBytes) {
    return InvalidParam("Zipped size must be smaller than " + std::to_string(kMaxZippedBytes) +
                        " bytes");
  }
  auto reader = ZipReader::Open(zip);
  if (!reader.ok()) {
    return InvalidParam(
        "Could not unzip uploaded file. Please check your file, then try to "
        "upload again.");
  }
  CodeInfo info;
  std::string raw = Sha256Raw(zip);
  info.hex = Hex(raw);
  info.sha256_base64 = wire::Base64Encode(raw);
  info.size = zip.size();
  info.unzipped_size = reader->total_uncompressed();
  if (info.unzipped_size > kMaxUnzippedBytes) {
    return InvalidParam("Unzipped size must be smaller than " + std::to_string(kMaxUnzippedBytes) +
                        " bytes");
  }
  std::string dir = DirFor(info.hex);
  if (!IsDir(dir)) {
    Status st = store::MakeDirs(root_);
    std::string tmp = root_ + "/.tmp-" + RandomHex(16);
    if (st.ok()) st = ExtractZip(zip, tmp);
    if (st.code() == StatusCode::kInvalidArgument) {
      return InvalidParam(
          "Could not unzip uploaded file. Please check your file, then try to "
          "upload again. (" +
          st.message() + ")");
    }
    if (!st.ok()) return ServiceError("cannot extract the code package: " + st.message());
    if (::rename(tmp.c_str(), dir.c_str()) != 0) RemoveTree(tmp);  // lost a race: same bytes
  }
  // The blob is the durable copy: written (fsync'ed) before the caller acknowledges anything.
  auto put = blobs_.Put(zip);
  if (!put.ok()) return ServiceError("cannot store the code package: " + put.error().message());
  return info;
}

Result<std::string> CodeStore::EnsureExtracted(const std::string& hex) {
  std::string dir = DirFor(hex);
  if (IsDir(dir)) return dir;
  auto zip = blobs_.Read(hex);
  if (!zip.ok()) return zip.error();
  NIMBUS_RETURN_IF_ERROR(store::MakeDirs(root_));
  std::string tmp = root_ + "/.tmp-" + RandomHex(16);
  NIMBUS_RETURN_IF_ERROR(ExtractZip(*zip, tmp));
  if (::rename(tmp.c_str(), dir.c_str()) != 0) RemoveTree(tmp);
  if (!IsDir(dir)) return Status::IoError("cannot extract code into " + dir);
  return dir;
}

}  // namespace nimbus::lambda
