#include "server/access_log.h"

#include <unistd.h>

#include <charconv>
#include <ctime>

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace nimbus {
namespace {

std::string Dash(std::string_view s) { return s.empty() ? "-" : std::string(s); }

// Quotes for the text log: escapes '"', backslash and control bytes like nginx does.
// Appends `s` in quotes for the text log, escaping '"', backslash and control bytes like nginx.
void AppendQuoted(std::string& out, std::string_view s) {
  auto plain = [](unsigned char c) { return c != '"' && c != '\\' && c >= 0x20 && c < 0x7f; };
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    size_t run = i;
    while (run < s.size() && plain(static_cast<unsigned char>(s[run]))) ++run;
    out.append(s.data() + i, run - i);
    if (run == s.size()) break;
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(s[run]));
    out += buf;
    i = run + 1;
  }
  out.push_back('"');
}

void AppendDash(std::string& out, std::string_view s) {
  if (s.empty()) {
    out.push_back('-');
  } else {
    out.append(s);
  }
}

// "[28/Nov/2026:20:07:47 +0000]" for `t`, formatted once per second per thread.
std::string_view CommonLogDate(std::chrono::system_clock::time_point t) {
  thread_local std::time_t cached_second = -1;
  thread_local char date[40];
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  if (tt != cached_second) {
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::strftime(date, sizeof date, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
    cached_second = tt;
  }
  return date;
}

}  // namespace

std::string FormatAccessLogText(const AccessLogEntry& e) {
  std::string line;
  line.reserve(160 + e.target.size() + e.user_agent.size());
  size_t colon = e.client.rfind(':');
  AppendDash(line, colon == std::string_view::npos ? e.client : e.client.substr(0, colon));
  line += " - - ";
  line += CommonLogDate(e.time);
  line += ' ';
  // The request line, quoted as one field.
  std::string request;
  request.reserve(e.method.size() + e.target.size() + 10);
  request.append(e.method).append(" ").append(e.target).append(" HTTP/1.");
  request += std::to_string(e.version_minor);
  AppendQuoted(line, request);
  line += ' ';
  line += std::to_string(e.status);
  line += ' ';
  line += std::to_string(e.bytes);
  line += " \"-\" ";
  AppendQuoted(line, e.user_agent);
  char latency[32];
  auto written = std::to_chars(latency, latency + sizeof latency, e.latency_ms,
                               std::chars_format::fixed, 3);
  line += ' ';
  if (written.ec == std::errc()) line.append(latency, written.ptr);
  line += "ms ";
  AppendDash(line, e.operation);
  line += ' ';
  AppendDash(line, e.request_id);
  return line;
}

std::string FormatAccessLogJson(const AccessLogEntry& e) {
  nlohmann::json j = {
      {"time", FormatIso8601(e.time, true)},
      {"client", std::string(e.client)},
      {"method", std::string(e.method)},
      {"path", std::string(e.target)},
      {"protocol", "HTTP/1." + std::to_string(e.version_minor)},
      {"status", e.status},
      {"bytes", e.bytes},
      {"latency_ms", e.latency_ms},
      {"user_agent", std::string(e.user_agent)},
      {"operation", Dash(e.operation)},
      {"request_id", Dash(e.request_id)},
  };
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

AccessLog::AccessLog(int fd, LogFormat format)
    : fd_(fd), format_(format), writer_([this] { WriterLoop(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_one();
  writer_.join();
}

void AccessLog::Record(const AccessLogEntry& entry) {
  Append(format_ == LogFormat::kJson ? FormatAccessLogJson(entry) : FormatAccessLogText(entry));
}

void AccessLog::Note(std::string_view message) {
  if (format_ == LogFormat::kJson) {
    nlohmann::json j = {{"time", FormatIso8601(SystemClock().Now(), true)},
                        {"message", std::string(message)}};
    Append(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    Append(std::string(message));
  }
}

void AccessLog::Append(std::string line) {
  line.push_back('\n');
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_empty = pending_.empty();
    pending_ += line;
  }
  if (was_empty) cv_.notify_one();
}

void AccessLog::WriterLoop() {
  std::string batch;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return done_ || !pending_.empty(); });
    batch.swap(pending_);
    bool done = done_;
    lock.unlock();
    size_t off = 0;
    while (off < batch.size()) {
      ssize_t n = ::write(fd_, batch.data() + off, batch.size() - off);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        break;  // console gone: drop the log rather than block serving
      }
      off += static_cast<size_t>(n);
    }
    batch.clear();
    if (!done) {
      // A short batching window: lines logged meanwhile share the next write, and their
      // producers skip the wake-up (the buffer is not empty), so a busy server pays one
      // write and one wake-up per window instead of per request.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    lock.lock();
    if (done && pending_.empty()) return;
  }
}

}  // namespace nimbus
