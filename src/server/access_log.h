// The console access log: one line per request, like a web server's combined log plus what an
// AWS user needs (latency, Service.Operation, request id), as text or JSON lines.
// Thread-safe: Record() may be called from every event loop; a background thread batches writes
// so the event loops never block on the console.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/http.h"

namespace nimbus {

enum class LogFormat { kText, kJson };

struct AccessLogEntry {
  std::chrono::system_clock::time_point time;
  std::string_view client;      // "ip:port"
  std::string_view method;
  std::string_view target;      // path and query as requested
  int version_minor = 1;
  int status = 0;
  uint64_t bytes = 0;           // response body bytes
  double latency_ms = 0;
  std::string_view user_agent;
  std::string_view operation;   // "STS.GetCallerIdentity", or "-"
  std::string_view request_id;  // or "-"
};

// Formats one entry as a text line (no newline).
std::string FormatAccessLogText(const AccessLogEntry& e);
// Formats one entry as a JSON object (no newline).
std::string FormatAccessLogJson(const AccessLogEntry& e);

class AccessLog {
 public:
  // Writes to file descriptor `fd` (not owned; typically 1). Starts the writer thread.
  AccessLog(int fd, LogFormat format);
  // Flushes what is queued and joins the writer thread.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Record(const AccessLogEntry& entry);
  // Writes a free-form line (startup messages) in the log's format.
  void Note(std::string_view message);

 private:
  void Append(std::string line);
  void WriterLoop();

  int fd_;
  LogFormat format_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;
  bool done_ = false;
  std::thread writer_;
};

}  // namespace nimbus
