// nimbus's OCI pull client through the image cache: against Debian's docker-registry started on
// a loopback port (images pushed into it with skopeo), and against a small in-test registry that
// asks for an anonymous bearer token, serves an index and redirects blob downloads. Loopback
// only; root for the unpacking.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "image/image_cache.h"
#include "image/oci_layout.h"
#include "image/registry_client.h"
#include "image/root_fixture.h"
#include "image/spawn.h"
#include "image/tar_builder.h"
#include "store/sha256.h"

namespace nimbus::image {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TarBuilder;

std::string Sha(const std::string& d) { return "sha256:" + store::Hasher::Hex(d); }

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class RegistryPullTest : public testing::RootTest {
 protected:
  void TearDown() override {
    cache_.reset();
    if (registry_pid_ > 0) {
      ::kill(registry_pid_, SIGKILL);
      ::waitpid(registry_pid_, nullptr, 0);
    }
  }
  void OpenCache(const std::string& registry, const std::string& ca_file = "",
                 const std::string& dir = "/images") {
    ImageCacheOptions o;
    o.root = root_ + dir;
    if (ca_file.empty()) o.plain_http_registries = {registry};
    o.tls_ca_file = ca_file;
    o.log = [this](std::string_view line) {
      std::lock_guard lock(mu_);
      log_.emplace_back(line);
    };
    auto cache = ImageCache::Open(o);
    ASSERT_TRUE(cache.ok()) << cache.error().ToString();
    cache_ = std::move(*cache);
  }
  // Starts docker-registry on a free loopback port (https with a certificate for localhost and
  // 127.0.0.1 when `tls`: its PEM is <root>/cert.pem) and pushes `layout`:v1 into it as
  // lib/app:v1 with skopeo; sets addr_ to the registry's host:port. Skips without the tools.
  void StartAndPush(bool tls, const std::string& layout) {
    if (!fs::exists("/usr/bin/docker-registry") ||
        testing::RunLogged({"skopeo", "--version"}, "/dev/null") != 0) {
      GTEST_SKIP() << "needs docker-registry and skopeo (scripts/install-deps.sh test)";
    }
    std::string host = tls ? "localhost" : "127.0.0.1";
    std::string addr = host + ":" + std::to_string(FreePort());
    std::ofstream config(root_ + "/config.yml");
    config << "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: "
           << root_ << "/registry\nhttp:\n  addr: " << addr << "\n";
    if (tls) {
      int made = testing::RunLogged(
          {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
           "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
           root_ + "/key.pem", "-out", root_ + "/cert.pem"},
          root_ + "/openssl.log");
      EXPECT_EQ(made, 0) << "openssl req failed";
      config << "  tls:\n    certificate: " << root_ << "/cert.pem\n    key: " << root_
             << "/key.pem\n";
    }
    config.close();
    registry_pid_ = testing::SpawnLogged(
        {"/usr/bin/docker-registry", "serve", root_ + "/config.yml"}, root_ + "/registry.log");
    EXPECT_GT(registry_pid_, 0);
    int rc = -1;
    for (int i = 0; i < 100 && rc != 0; ++i) {  // until the registry listens (generous bound)
      if (i) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      rc = testing::RunLogged({"skopeo", "copy", "--quiet", "--dest-tls-verify=false",
                               "oci:" + layout + ":v1", "docker://" + addr + "/lib/app:v1"},
                              root_ + "/skopeo.log");
    }
    EXPECT_EQ(rc, 0) << "skopeo push failed; see " << root_ << "/skopeo.log";
    addr_ = addr;
  }
  size_t LogLines() {
    std::lock_guard lock(mu_);
    return log_.size();
  }
  pid_t registry_pid_ = -1;
  std::string addr_;
  std::unique_ptr<ImageCache> cache_;
  std::mutex mu_;
  std::vector<std::string> log_;
  Scope scope_{"000000000000", "us-east-1"};
};

TEST_F(RegistryPullTest, PullsFromDockerRegistryOnceThenOffline) {
  // Three layers, one per compression.
  TarBuilder a, b, c;
  a.File("bin/app", "#!/bin/sh\n").File("etc/motd", "a");
  b.File("etc/.wh.motd", "").File("data/z", std::string(100000, 'z'));
  c.File("data/plain", "p");
  std::vector<std::pair<std::string, std::string>> layers = {
      {"application/vnd.oci.image.layer.v1.tar+gzip", testing::Gzip(a.Tar())},
      {"application/vnd.oci.image.layer.v1.tar+zstd", testing::Zstd(b.Tar())},
      {"application/vnd.oci.image.layer.v1.tar", c.Tar()}};
  testing::WriteOciLayout(root_ + "/layout", layers, {a.DiffId(), b.DiffId(), c.DiffId()}, "v1",
                          {{"Entrypoint", {"/bin/app"}}});
  StartAndPush(/*tls=*/false, root_ + "/layout");
  if (IsSkipped() || HasFailure()) return;
  std::string addr = addr_;
  OpenCache(addr);
  auto p = cache_->Prepare(scope_, addr + "/lib/app:v1", 0);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->image, addr + "/lib/app:v1");
  EXPECT_EQ(p->config.entrypoint, std::vector<std::string>{"/bin/app"});
  ASSERT_EQ(p->layers.size(), 3u);
  EXPECT_TRUE(fs::exists(p->layers[0] + "/bin/app"));
  EXPECT_TRUE(fs::is_character_file(p->layers[1] + "/etc/motd"));
  EXPECT_EQ(fs::file_size(p->layers[1] + "/data/z"), 100000u);
  EXPECT_TRUE(fs::exists(p->layers[2] + "/data/plain"));
  ASSERT_EQ(LogLines(), 1u);
  EXPECT_NE(log_[0].find("image: pulled " + addr + "/lib/app:v1 (" + p->digest + "): 3 layers"),
            std::string::npos)
      << log_[0];
  // A missing tag is NotFound in containerd's words.
  auto missing = cache_->Prepare(scope_, addr + "/lib/app:v2", 0);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.error().message(), addr + "/lib/app:v2: not found");
  // The registry goes away: the same reference, and the digest, still prepare (offline), from a
  // new cache over the same directory too.
  ::kill(registry_pid_, SIGKILL);
  ::waitpid(registry_pid_, nullptr, 0);
  registry_pid_ = -1;
  std::string digest = p->digest;
  cache_.reset();
  OpenCache(addr);
  for (const std::string& image : {addr + "/lib/app:v1", addr + "/lib/app@" + digest}) {
    auto again = cache_->Prepare(scope_, image, 0);
    ASSERT_TRUE(again.ok()) << again.error().ToString();
    EXPECT_EQ(again->layers, p->layers);
  }
  EXPECT_EQ(LogLines(), 1u);
  auto gone = cache_->Prepare(scope_, addr + "/lib/other:v1", 0);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), StatusCode::kUnavailable);
}

// A registry that wants an anonymous bearer token, lists an index, and redirects blob GETs,
// answering one request per connection (the client closes each).
class TokenRegistry {
 public:
  TokenRegistry() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 16);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    addr_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    thread_ = std::thread([this] { Serve(); });
  }
  ~TokenRegistry() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  const std::string& addr() const { return addr_; }
  void Put(const std::string& path, std::string body, std::string type = "") {
    std::lock_guard lock(mu_);
    routes_[path] = {std::move(body), std::move(type)};
  }
  int token_requests() const { return token_requests_; }

 private:
  void Serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      std::string path = req.substr(4, req.find(' ', 4) - 4);
      std::string resp =
          Answer(path, req.find("Authorization: Bearer t0k3n\r\n") != std::string::npos);
      ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  std::string Answer(const std::string& path, bool authorized) {
    if (path.starts_with("/token?")) {
      ++token_requests_;
      bool ok = path.find("service=test-registry") != std::string::npos &&
                path.find("scope=repository%3Alib%2Fapp%3Apull") != std::string::npos;
      if (!ok) return "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
      return Chunked("{\"token\":\"t0k3n\"}", "application/json");
    }
    if (path.starts_with("/data/")) {  // the blob store a redirect points to: no auth
      std::lock_guard lock(mu_);
      auto it = routes_.find(path);
      if (it == routes_.end()) return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
      return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(it->second.first.size()) +
             "\r\n\r\n" + it->second.first;
    }
    if (!authorized) {
      return "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://" + addr_ +
             "/token\",service=\"test-registry\",scope=\"repository:lib/app:pull\"\r\n"
             "Content-Length: 0\r\n\r\n";
    }
    std::lock_guard lock(mu_);
    auto it = routes_.find(path);
    if (it == routes_.end()) {
      std::string body = R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})";
      return "HTTP/1.1 404 Not Found\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n\r\n" + body;
    }
    if (path.find("/blobs/") != std::string::npos) {
      return "HTTP/1.1 307 Temporary Redirect\r\nLocation: /data" + path +
             "\r\nContent-Length: 0\r\n\r\n";
    }
    return Chunked(it->second.first, it->second.second);
  }
  static std::string Chunked(const std::string& body, const std::string& type) {
    std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t i = 0; i < body.size(); i += 100) {
      std::string piece = body.substr(i, 100);
      char len[16];
      std::snprintf(len, sizeof(len), "%zx\r\n", piece.size());
      out += len + piece + "\r\n";
    }
    return out + "0\r\n\r\n";
  }

  int fd_;
  std::string addr_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> token_requests_{0};
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> routes_;
};

TEST_F(RegistryPullTest, BearerTokensIndexesAndRedirects) {
  TokenRegistry reg;
  TarBuilder l;
  l.File("hello", "world");
  std::string blob = testing::Gzip(l.Tar());
  std::string config = json{{"os", "linux"},
                            {"architecture", "amd64"},
                            {"config", {{"Cmd", {"/hello"}}}},
                            {"rootfs", {{"type", "layers"}, {"diff_ids", {l.DiffId()}}}}}
                           .dump();
  std::string manifest = json{{"schemaVersion", 2},
                              {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
                              {"config",
                               {{"mediaType", "application/vnd.docker.container.image.v1+json"},
                                {"digest", Sha(config)},
                                {"size", config.size()}}},
                              {"layers",
                               {{{"mediaType", "application/vnd.docker.image.rootfs.diff.tar.gzip"},
                                 {"digest", Sha(blob)},
                                 {"size", blob.size()}}}}}
                             .dump();
  std::string index =
      json{{"schemaVersion", 2},
           {"mediaType", "application/vnd.docker.distribution.manifest.list.v2+json"},
           {"manifests",
            {{{"digest", Sha(manifest)},
              {"size", manifest.size()},
              {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}},
             {{"digest", Sha(manifest)},
              {"size", manifest.size()},
              {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}}}}}
          .dump();
  reg.Put("/v2/lib/app/manifests/1.0", index,
          "application/vnd.docker.distribution.manifest.list.v2+json");
  reg.Put("/v2/lib/app/manifests/" + Sha(index), index);
  reg.Put("/v2/lib/app/manifests/" + Sha(manifest), manifest);
  reg.Put("/v2/lib/app/blobs/" + Sha(config), "");
  reg.Put("/data/v2/lib/app/blobs/" + Sha(config), config);
  reg.Put("/v2/lib/app/blobs/" + Sha(blob), "");
  reg.Put("/data/v2/lib/app/blobs/" + Sha(blob), blob);
  OpenCache(reg.addr());
  auto p = cache_->Prepare(scope_, reg.addr() + "/lib/app:1.0", 0);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->digest, Sha(index));
  EXPECT_EQ(p->manifest_digest, Sha(manifest));
  EXPECT_EQ(p->config.cmd, std::vector<std::string>{"/hello"});
  ASSERT_EQ(p->layers.size(), 1u);
  EXPECT_TRUE(fs::exists(p->layers[0] + "/hello"));
  EXPECT_GE(reg.token_requests(), 1);
  // A blob that does not match its digest is refused and not kept.
  TarBuilder evil;
  evil.File("x", "x");
  std::string bad_config = config + " ";
  std::string bad_manifest = json{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", Sha(config + "  ")},
        {"size", bad_config.size()}}},
      {"layers", json::array()}}.dump();
  reg.Put("/v2/lib/app/manifests/bad", bad_manifest);
  reg.Put("/v2/lib/app/blobs/" + Sha(config + "  "), "");
  reg.Put("/data/v2/lib/app/blobs/" + Sha(config + "  "), bad_config);
  auto bad = cache_->Prepare(scope_, reg.addr() + "/lib/app:bad", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kCorruption) << bad.error().ToString();
}

TEST_F(RegistryPullTest, PullsOverHttpsVerifyingTheCertificate) {
  TarBuilder a;
  a.File("bin/app", "#!/bin/sh\n");
  testing::WriteOciLayout(root_ + "/layout",
                          {{"application/vnd.oci.image.layer.v1.tar+gzip", testing::Gzip(a.Tar())}},
                          {a.DiffId()}, "v1", {{"Cmd", {"/bin/app"}}});
  StartAndPush(/*tls=*/true, root_ + "/layout");
  if (IsSkipped() || HasFailure()) return;
  std::string addr = addr_;
  // Trusting the system's store only: the self-signed certificate is refused.
  OpenCache(addr, "/etc/ssl/certs/ca-certificates.crt", "/untrusting");
  auto refused = cache_->Prepare(scope_, addr + "/lib/app:v1", 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.error().message().find("certificate"), std::string::npos)
      << refused.error().message();
  // Trusting it: pulled over https.
  OpenCache(addr, root_ + "/cert.pem");
  auto p = cache_->Prepare(scope_, addr + "/lib/app:v1", 0);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->config.cmd, std::vector<std::string>{"/bin/app"});
  ASSERT_EQ(p->layers.size(), 1u);
  EXPECT_TRUE(fs::exists(p->layers[0] + "/bin/app"));
}

// Puts a one-layer image whose Cmd is `cmd` into `reg` as lib/app:<tag>; returns its digest.
std::string PutImage(TokenRegistry& reg, const std::string& tag, const std::string& cmd) {
  TarBuilder l;
  l.File("cmd", cmd);
  std::string blob = testing::Gzip(l.Tar());
  std::string config = json{{"os", "linux"},
                            {"architecture", "amd64"},
                            {"config", {{"Cmd", {cmd}}}},
                            {"rootfs", {{"type", "layers"}, {"diff_ids", {l.DiffId()}}}}}
                           .dump();
  std::string manifest = json{{"schemaVersion", 2},
                              {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                              {"config",
                               {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                {"digest", Sha(config)},
                                {"size", config.size()}}},
                              {"layers",
                               {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                                 {"digest", Sha(blob)},
                                 {"size", blob.size()}}}}}
                             .dump();
  reg.Put("/v2/lib/app/manifests/" + tag, manifest, "application/vnd.oci.image.manifest.v1+json");
  for (const std::string* b : {&config, &blob}) {
    reg.Put("/v2/lib/app/blobs/" + Sha(*b), "");
    reg.Put("/data/v2/lib/app/blobs/" + Sha(*b), *b);
  }
  return Sha(manifest);
}

TEST_F(RegistryPullTest, PullBehaviorsWhenATagMovesOrTheRegistryIsGone) {
  auto reg = std::make_unique<TokenRegistry>();
  std::string addr = reg->addr();
  std::string first = PutImage(*reg, "v1", "/first");
  struct Row {
    PullBehavior behavior;
    const char* dir;
    std::string after_move;  // digest after the tag moved
    bool works_offline;
  };
  std::vector<Row> rows = {{PullBehavior::kPreferCached, "/prefer", first, true},
                           {PullBehavior::kDefault, "/default", "", true},
                           {PullBehavior::kAlways, "/always", "", false}};
  std::vector<std::unique_ptr<ImageCache>> caches;
  for (auto& row : rows) {
    ImageCacheOptions o;
    o.root = root_ + row.dir;
    o.plain_http_registries = {addr};
    o.pull_behavior = row.behavior;
    o.log = [this](std::string_view line) {
      std::lock_guard lock(mu_);
      log_.emplace_back(line);
    };
    auto cache = ImageCache::Open(o);
    ASSERT_TRUE(cache.ok());
    auto p = (*cache)->Prepare(scope_, addr + "/lib/app:v1", 0);
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    EXPECT_EQ(p->digest, first);
    caches.push_back(std::move(*cache));
  }
  std::string second = PutImage(*reg, "v1", "/second");
  rows[1].after_move = rows[2].after_move = second;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto p = caches[i]->Prepare(scope_, addr + "/lib/app:v1", 0);
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    EXPECT_EQ(p->digest, rows[i].after_move) << rows[i].dir;
  }
  reg.reset();  // the registry is gone
  for (size_t i = 0; i < rows.size(); ++i) {
    auto p = caches[i]->Prepare(scope_, addr + "/lib/app:v1", 0);
    EXPECT_EQ(p.ok(), rows[i].works_offline) << rows[i].dir;
    if (p.ok()) {
      EXPECT_EQ(p->digest, rows[i].after_move);
    } else {
      EXPECT_EQ(p.error().code(), StatusCode::kUnavailable);
    }
  }
  std::lock_guard lock(mu_);
  EXPECT_NE(log_.back().find("image: using the cached " + addr + "/lib/app:v1"), std::string::npos)
      << log_.back();
}

TEST(ImageCacheOptions, PullBehaviorNames) {
  EXPECT_EQ(*ParsePullBehavior("prefer-cached"), PullBehavior::kPreferCached);
  EXPECT_EQ(*ParsePullBehavior("once"), PullBehavior::kPreferCached);
  EXPECT_EQ(*ParsePullBehavior("default"), PullBehavior::kDefault);
  EXPECT_EQ(*ParsePullBehavior("always"), PullBehavior::kAlways);
  EXPECT_FALSE(ParsePullBehavior("never").ok());
}

TEST(RegistryClient, PlainHttpOnlyToLoopback) {
  // An address literal (no DNS lookup; nothing is sent anywhere).
  RegistryClient remote("192.0.2.1:5000", /*plain_http=*/true);
  auto r = remote.Get("/v2/", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.error().message().find("loopback"), std::string::npos) << r.error().message();
}

TEST(RegistryClient, ParsesBearerChallenges) {
  auto p = ParseBearerChallenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  EXPECT_EQ(p["realm"], "https://auth.docker.io/token");
  EXPECT_EQ(p["service"], "registry.docker.io");
  EXPECT_EQ(p["scope"], "repository:library/busybox:pull");
  EXPECT_TRUE(ParseBearerChallenge(R"(Basic realm="x")").empty());
}

}  // namespace
}  // namespace nimbus::image
