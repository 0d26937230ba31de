// End to end (root only): nimbus's python and node bootstraps run in a sandbox and talk to a
// Runtime API on the host's 127.0.0.1.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "sandbox/sandbox_fixture.h"

namespace nimbus::sandbox {
namespace {

using testing::Collect;
using testing::RunResult;
using testing::SandboxTest;

std::string SourceDir() {
  const char* s = std::getenv("NIMBUS_SOURCE_DIR");
  if (s) return s;
  std::string file = __FILE__;  // <source>/tests/sandbox/sandbox_runtime_test.cc
  return file.substr(0, file.rfind("/tests/sandbox/"));
}

// Runs the bootstrap `argv` for handler `handler` against the one-shot fake Runtime API;
// returns the API's line ("response {...}" or "error {...}").
std::string RunBootstrap(SandboxTest& t, SandboxManager& m, std::vector<std::string> argv,
                         const std::string& handler) {
  std::string cmd = "python3 " + SourceDir() + "/tests/sandbox/fake_runtime_api.py '{\"n\": 41}'";
  FILE* api = ::popen(cmd.c_str(), "r");
  if (!api) return "popen failed";
  int port = 0;
  char first[64] = {};
  if (!std::fgets(first, sizeof(first), api) || std::sscanf(first, "port %d", &port) != 1) {
    ::pclose(api);
    return "no port";
  }
  SandboxSpec s = t.Shell("");
  s.argv = std::move(argv);
  s.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LAMBDA_TASK_ROOT=/var/task", "_HANDLER=" + handler,
           "AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(port)};
  s.extra_read_only = {{SourceDir() + "/src/services/lambda/runtimes", "/var/runtime"}};
  // A whole CPU: this is about the protocol, and with 128 MB's 7% of one a slow host (an emulated
  // VM) starts node slower than the fake API waits.
  s.memory_mb = 1769;
  auto sb = m.Launch(s);
  if (!sb.ok()) return sb.error().ToString();
  char line[4096] = {};
  std::string got = std::fgets(line, sizeof(line), api) ? line : "no answer";
  ::pclose(api);
  (*sb)->Kill();
  RunResult r = Collect(**sb);
  if (got == "no answer") got += ": " + r.out + r.err;
  return got;
}

TEST_F(SandboxTest, PythonBootstrapServesAnInvoke) {
  code_.Write("app.py",
              "import os\ndef handler(e, c):\n    return {'n': e['n'] + 1, 'cwd': os.getcwd()}\n");
  std::string got = RunBootstrap(
      *this, *manager_, {"/usr/bin/python3", "/var/runtime/python/bootstrap.py"}, "app.handler");
  EXPECT_EQ(got, "response {\"n\": 42, \"cwd\": \"/var/task\"}\n");
}

TEST_F(SandboxTest, NodeBootstrapServesAnInvoke) {
  code_.Write("index.mjs", "export const handler = async (e) => ({ n: e.n + 1 });\n");
  std::string got = RunBootstrap(
      *this, *manager_, {"/usr/bin/node", "/var/runtime/node/bootstrap.js"}, "index.handler");
  EXPECT_EQ(got, "response {\"n\":42}\n");
}

}  // namespace
}  // namespace nimbus::sandbox
