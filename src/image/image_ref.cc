#include "image/image_ref.h"

#include <algorithm>
#include <cctype>

namespace nimbus::image {
namespace {

constexpr std::string_view kDockerHub = "registry-1.docker.io";

Status Invalid(std::string_view image, const std::string& why) {
  return Status::InvalidArgument("invalid reference format: " + why + " in \"" +
                                 std::string(image) + "\"");
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool ValidComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    if (IsLowerAlnum(ch)) continue;
    if (ch == '.' || ch == '_' || ch == '-') {
      // Separators: ".", "_", "__", or runs of "-"; never two different ones in a row.
      size_t j = i;
      while (j < c.size() && !IsLowerAlnum(c[j])) ++j;
      std::string_view sep = c.substr(i, j - i);
      bool ok = sep == "." || sep == "_" || sep == "__" ||
                std::all_of(sep.begin(), sep.end(), [](char x) { return x == '-'; });
      if (!ok) return false;
      i = j - 1;
      continue;
    }
    return false;
  }
  return true;
}

bool ValidPath(std::string_view path) {
  if (path.empty() || path.size() > 255) return false;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view c =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!ValidComponent(c)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool ValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(tag[0])) return false;
  return std::all_of(tag.begin(), tag.end(),
                     [&](char c) { return word(c) || c == '.' || c == '-'; });
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool ValidDigest(std::string_view d) {
  if (d.starts_with("sha256:")) return d.size() == 7 + 64 && IsLowerHex(d.substr(7));
  if (d.starts_with("sha512:")) return d.size() == 7 + 128 && IsLowerHex(d.substr(7));
  return false;
}

// A first component names a registry when it has a '.' or ':' or is "localhost".
bool LooksLikeHost(std::string_view c) {
  return c == "localhost" || c.find('.') != std::string_view::npos ||
         c.find(':') != std::string_view::npos;
}

bool ValidHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']';
  });
}

bool AllDigits(std::string_view s, size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// <account>.dkr.ecr.<region>.amazonaws.com[.cn] and <account>.dkr-ecr.<region>.on.aws.
bool ParseEcrHost(std::string_view host, std::string& account, std::string& region) {
  size_t dot = host.find('.');
  if (dot == std::string_view::npos || !AllDigits(host.substr(0, dot), 12)) return false;
  std::string_view rest = host.substr(dot + 1);
  std::string_view tail;
  if (rest.starts_with("dkr.ecr.")) {
    rest.remove_prefix(8);
    if (rest.ends_with(".amazonaws.com")) {
      tail = ".amazonaws.com";
    } else if (rest.ends_with(".amazonaws.com.cn")) {
      tail = ".amazonaws.com.cn";
    } else {
      return false;
    }
  } else if (rest.starts_with("dkr-ecr.") && rest.ends_with(".on.aws")) {
    rest.remove_prefix(8);
    tail = ".on.aws";
  } else {
    return false;
  }
  std::string_view reg = rest.substr(0, rest.size() - tail.size());
  if (reg.empty() || reg.find('.') != std::string_view::npos) return false;
  if (!std::all_of(reg.begin(), reg.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    return false;
  }
  account = std::string(host.substr(0, dot));
  region = std::string(reg);
  return true;
}

}  // namespace

std::string ImageRef::ToString() const {
  std::string out = RepositoryUri();
  if (!digest.empty()) return out + "@" + digest;
  return out + ":" + tag;
}

Result<ImageRef> ParseImageRef(std::string_view image,
                               const std::vector<std::string>& nimbus_hosts) {
  if (image.empty()) return Invalid(image, "empty image");
  if (image.size() > 4096) return Invalid(image, "image longer than 4096 characters");
  ImageRef ref;
  std::string_view rest = image;
  // The digest, after the last '@'.
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    std::string_view digest = rest.substr(at + 1);
    if (!ValidDigest(digest)) return Invalid(image, "bad digest \"" + std::string(digest) + "\"");
    ref.digest = std::string(digest);
    rest = rest.substr(0, at);
  }
  // The registry: the first component, when it looks like a host.
  std::string_view host;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, slash);
    if (LooksLikeHost(first)) {
      host = first;
      rest = rest.substr(slash + 1);
      if (!ValidHost(host))
        return Invalid(image, "bad registry host \"" + std::string(host) + "\"");
    }
  }
  // The tag: after a ':' in the last path component.
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
  if (colon != std::string_view::npos) {
    std::string_view tag = rest.substr(colon + 1);
    if (!ValidTag(tag)) return Invalid(image, "bad tag \"" + std::string(tag) + "\"");
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  if (!ValidPath(rest)) {
    return Invalid(
        image, "repository name \"" + std::string(rest) + "\" must be lower-case path components");
  }
  ref.repository = std::string(rest);

  if (host.empty() || host == "docker.io" || host == "index.docker.io" || host == kDockerHub) {
    ref.kind = ImageRef::Kind::kRemote;
    ref.registry = std::string(kDockerHub);
    if (ref.repository.find('/') == std::string::npos) ref.repository = "library/" + ref.repository;
    return ref;
  }
  ref.registry = std::string(host);
  if (std::find(nimbus_hosts.begin(), nimbus_hosts.end(), host) != nimbus_hosts.end()) {
    ref.kind = ImageRef::Kind::kNimbus;
  } else if (ParseEcrHost(host, ref.account, ref.region)) {
    ref.kind = ImageRef::Kind::kEcr;
  } else {
    ref.kind = ImageRef::Kind::kRemote;
  }
  return ref;
}

}  // namespace nimbus::image
