// Test helper: starting the tools the image tests drive (docker-registry, skopeo, nimbus) with
// their output in a log file.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <string>
#include <vector>

extern char** environ;

namespace nimbus::image::testing {

// Starts argv (PATH searched) with stderr appended to `log` and stdout to `stdout_fd` (-1: the
// log too). The pid, -1 when it could not start.
inline pid_t SpawnLogged(const std::vector<std::string>& argv, const std::string& log,
                         int stdout_fd = -1) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, stdout_fd >= 0 ? stdout_fd : 2, 1);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// Runs argv to its end; its exit code, -1 when it could not run or was killed.
inline int RunLogged(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = SpawnLogged(argv, log);
  if (pid < 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace nimbus::image::testing
