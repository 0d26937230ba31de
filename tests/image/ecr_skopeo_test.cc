// End to end: a busybox-static image pushed with skopeo into a running nimbus, then (nimbus
// stopped) prepared by the image cache over the same data directory's real ECR, by its real ECR
// URI, and run in a sandbox as ECS will run it: each layer an overlayfs lower dir, ids shifted
// into the user namespace. Root only; needs the nimbus binary, skopeo and busybox-static.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "image/ecr_in_process.h"
#include "image/image_cache.h"
#include "image/oci_layout.h"
#include "image/spawn.h"
#include "sandbox/sandbox_fixture.h"

namespace nimbus::image {
namespace {

namespace fs = std::filesystem;
using sandbox::testing::TempDir;

std::string NimbusBinary() {
  if (const char* env = std::getenv("NIMBUS_BIN"); env != nullptr && *env != '\0') return env;
  return NIMBUS_BIN_DEFAULT;
}

class EcrSkopeoTest : public sandbox::testing::SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
    if (IsSkipped()) return;
    if (!fs::exists(NimbusBinary())) GTEST_SKIP() << "no nimbus binary at " << NimbusBinary();
    if (::access("/bin/busybox", X_OK) != 0 ||
        testing::RunLogged({"skopeo", "--version"}, "/dev/null") != 0)
      GTEST_SKIP() << "needs busybox-static and skopeo";
  }
  TempDir data_, work_;
};

TEST_F(EcrSkopeoTest, PushedWithSkopeoPreparedByEcrRunInASandbox) {
  {  // The repository, as ECR wants it before a push (through the same store).
    testing::EcrInProcess before;
    ASSERT_TRUE(before.Open(data_.path()));
    ASSERT_TRUE(before.Call("CreateRepository", {{"repositoryName", "e2e/busybox"}}).ok());
  }
  // nimbus, on a free port, over data_.
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  pid_t nimbus =
      testing::SpawnLogged({NimbusBinary(), "serve", "--port", "0", "--data-dir", data_.path()},
                           work_.path() + "/nimbus.log", out[1]);
  ASSERT_GT(nimbus, 0);
  ::close(out[1]);
  std::string ready;
  char c;
  while (ready.size() < 200 && ::read(out[0], &c, 1) == 1 && c != '\n') ready += c;
  ::close(out[0]);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(ready, m, std::regex("http://([0-9.]+:[0-9]+)"))) << ready;
  std::string registry = m[1];

  // A busybox image whose entrypoint is a shell script from a second layer.
  auto busybox = testing::BusyboxLayer();
  testing::TarBuilder app;
  testing::TarOpts exe;
  exe.mode = 0755;
  app.Dir("app").File("app/run.sh", "#!/bin/sh\necho \"hello from $NAME as $(id -u) in $(pwd)\"\n",
                      exe);
  std::string digest = testing::WriteOciLayout(
      work_.path() + "/layout",
      {{"application/vnd.oci.image.layer.v1.tar+gzip", testing::Gzip(busybox.Tar())},
       {"application/vnd.oci.image.layer.v1.tar+zstd", testing::Zstd(app.Tar())}},
      {busybox.DiffId(), app.DiffId()}, "v1",
      {{"Entrypoint", {"/app/run.sh"}},
       {"Env", {"PATH=/bin:/usr/bin", "NAME=skopeo"}},
       {"WorkingDir", "/app"}});
  std::string skopeo_log = work_.path() + "/skopeo.log";
  int pushed = testing::RunLogged(
      {"skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + work_.path() + "/layout:v1",
       "docker://" + registry + "/e2e/busybox:v1"},
      skopeo_log);
  ::kill(nimbus, SIGTERM);
  int status = 0;
  ::waitpid(nimbus, &status, 0);
  ASSERT_EQ(pushed, 0) << "skopeo push failed; see " << skopeo_log;

  testing::EcrInProcess ecr;
  ASSERT_TRUE(ecr.Open(data_.path()));
  uid_t offset = manager_->capabilities().id_offset;
  auto p = ecr.links().images->Prepare(
      Scope{"000000000000", "us-east-1"},
      "000000000000.dkr.ecr.us-east-1.amazonaws.com/e2e/busybox:v1", offset);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->digest, digest);
  ASSERT_EQ(p->layers.size(), 2u);

  fs::create_directories(work_.path() + "/upper");
  fs::create_directories(work_.path() + "/work");
  ASSERT_EQ(::chown((work_.path() + "/upper").c_str(), offset, offset), 0);
  ASSERT_EQ(::chown((work_.path() + "/work").c_str(), offset, offset), 0);
  sandbox::SandboxSpec spec;
  spec.argv = p->config.entrypoint;
  spec.env = p->config.env;
  spec.working_dir = p->config.working_dir;
  spec.image = sandbox::ImageRootFs{p->layers, work_.path() + "/upper", work_.path() + "/work"};
  spec.uid = 0;
  spec.gid = 0;
  spec.capabilities = sandbox::kDockerDefaultCapabilities;
  auto r = SandboxTest::Run(spec);
  EXPECT_TRUE(r.status.exited && r.status.code == 0) << r.status.Describe() << r.err;
  EXPECT_EQ(r.out, "hello from skopeo as 0 in /app\n") << r.err;
}

}  // namespace
}  // namespace nimbus::image
