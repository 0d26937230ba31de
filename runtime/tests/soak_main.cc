// Runs N invocations through run_handler() against the in-process fake Runtime API, then stops
// with SIGTERM while the loop waits on /next. Used by valgrind.sh and as a ctest smoke test.
// N is argv[1], else $_HANDLER (how a packaged bootstrap runs it), else 10000.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "fake_runtime_api.h"
#include "nimbus/lambda/runtime.h"

int main(int argc, char** argv) {
  using namespace nimbus::lambda;
  const char* handler = std::getenv("_HANDLER");
  const int n = argc > 1                              ? std::atoi(argv[1])
                : handler != nullptr && *handler != 0 ? std::atoi(handler)
                                                      : 10000;
  testing::FakeRuntimeApi api(testing::serve_events(n, R"({"name":"soak"})"));
  RunOptions options;
  options.client.endpoint = api.endpoint();
  std::atomic<bool> finished{false};
  std::thread killer([&] {
    // Wait until every event has been answered, then request shutdown.
    while (!finished && api.request_count() < static_cast<std::size_t>(2 * n + 1)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!finished) ::kill(::getpid(), SIGTERM);
  });
  int count = 0;
  int rc = run_handler(
      [&](const InvocationRequest& r) {
        ++count;
        if (count % 10 == 0) return InvocationResponse::failure("every tenth fails", "Soak.Error");
        return InvocationResponse::success("{\"n\":" + std::to_string(count) +
                                           ",\"p\":" + r.payload + "}");
      },
      options);
  finished = true;
  killer.join();
  api.stop();
  std::printf("soak: %d invocations, exit code %d\n", count, rc);
  return (rc == 0 && count == n) ? 0 : 1;
}
