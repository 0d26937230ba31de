// Durability under kill -9: a forked child queues work items and writes blobs in a loop and
// reports each one on a pipe only after the write returned OK. The parent kills it at an arbitrary
// moment, reopens the store and checks every acknowledged write is present and intact.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <limits>
#include <map>
#include <sstream>
#include <string>

#include "store/blob_store.h"
#include "store/work_queue.h"
#include "temp_dir.h"

namespace nimbus::store {
namespace {

std::string BodyFor(int round, int i) {
  return R"({"round":)" + std::to_string(round) + R"(,"i":)" + std::to_string(i) + R"(,"pad":")" +
         std::string(200 + i % 300, static_cast<char>('a' + i % 26)) + "\"}";
}

std::string BlobFor(int round, int i) {
  return "blob " + std::to_string(round) + "/" + std::to_string(i) + " " +
         std::string(1000 + (i * 37) % 5000, static_cast<char>('A' + i % 26));
}

std::string QueueFor(int round) { return "crash-" + std::to_string(round); }

// Child body: never returns.
[[noreturn]] void WriterLoop(const std::string& dir, int round, int out_fd) {
  auto db = Database::Open(dir);
  if (!db.ok()) _exit(2);
  auto queue = WorkQueue::Open(**db);
  auto blobs = BlobStore::Open(dir);
  if (!queue.ok() || !blobs.ok()) _exit(3);
  for (int i = 0;; ++i) {
    if (!(*queue)->Enqueue(QueueFor(round), BodyFor(round, i), i).ok()) _exit(4);
    std::string line = "r " + std::to_string(i) + "\n";
    if (::write(out_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
    auto digest = (*blobs)->Put(BlobFor(round, i));
    if (!digest.ok()) _exit(6);
    line = "b " + std::to_string(i) + " " + *digest + "\n";
    if (::write(out_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(7);
  }
}

struct Acks {
  std::vector<int> resources;
  std::map<int, std::string> blobs;  // i -> digest
};

Acks RunAndKill(const std::string& dir, int round, std::chrono::milliseconds run_for) {
  Acks acks;
  int fds[2];
  if (::pipe(fds) != 0) return acks;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    WriterLoop(dir, round, fds[1]);
  }
  ::close(fds[1]);
  std::string buffer;
  auto deadline = std::chrono::steady_clock::now() + run_for;
  bool killed = false;
  while (true) {
    if (!killed && std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 10) < 0) break;
    if (p.revents == 0) continue;
    char chunk[4096];
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;  // EOF: the child is gone and the pipe is drained
    buffer.append(chunk, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "writer exited early with status " << status;
  std::istringstream in(buffer);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // last line without '\n' was cut by the kill: not acknowledged
    std::istringstream fields(line);
    std::string type;
    int i = -1;
    fields >> type >> i;
    if (type == "r") acks.resources.push_back(i);
    if (type == "b") fields >> acks.blobs[i];
  }
  return acks;
}

TEST(CrashDurability, AcknowledgedWritesSurviveKill9) {
  testing::TempDir tmp;
  size_t total = 0;
  const std::chrono::milliseconds runs[] = {std::chrono::milliseconds(700),
                                            std::chrono::milliseconds(450),
                                            std::chrono::milliseconds(1100)};
  for (int round = 0; round < 3; ++round) {
    Acks acks = RunAndKill(tmp.path(), round, runs[round]);
    ASSERT_GT(acks.resources.size(), 3u) << "writer made too little progress in round " << round;
    total += acks.resources.size();

    auto db = Database::Open(tmp.path());
    ASSERT_TRUE(db.ok()) << db.error().ToString();
    std::string integrity;
    ASSERT_TRUE((*db)
                    ->Query("PRAGMA integrity_check", {},
                            [&](const Row& r) {
                              integrity = r.Text(0);
                              return false;
                            })
                    .ok());
    EXPECT_EQ(integrity, "ok");
    auto queue = WorkQueue::Open(**db);
    ASSERT_TRUE(queue.ok());
    auto items = (*queue)->Claim(QueueFor(round), std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int>::max());
    ASSERT_TRUE(items.ok());
    std::map<int64_t, std::string> stored;  // due time (= i) -> payload
    for (const WorkItem& item : *items) stored[item.due_ms] = item.payload;
    for (int i : acks.resources) {
      auto it = stored.find(i);
      ASSERT_NE(it, stored.end()) << "acknowledged item " << round << "-" << i << " lost";
      EXPECT_EQ(it->second, BodyFor(round, i));
    }
    auto blobs = BlobStore::Open(tmp.path());
    ASSERT_TRUE(blobs.ok());
    for (const auto& [i, digest] : acks.blobs) {
      auto data = (*blobs)->Read(digest, /*verify=*/true);
      ASSERT_TRUE(data.ok()) << "acknowledged blob " << i << " lost: " << data.error().ToString();
      EXPECT_EQ(*data, BlobFor(round, i));
    }
  }
  RecordProperty("acknowledged_resources", static_cast<int>(total));
}

}  // namespace
}  // namespace nimbus::store
