// Turns a process's output, read in arbitrary chunks, into lines. One per output stream
// (stdout, stderr). Not thread-safe: its owner serializes Feed/Flush.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nimbus::output {

class LineSplitter {
 public:
  // A line longer than `max_pending` bytes without its newline is emitted in pieces (as Lambda
  // and Docker cut very long lines) once that much is pending.
  explicit LineSplitter(size_t max_pending = 256 * 1024) : max_pending_(max_pending) {}

  // Appends `data`; calls emit(std::string line) for each completed line (without its '\n').
  template <typename Emit>
  void Feed(std::string_view data, Emit&& emit) {
    pending_.append(data);
    size_t start = 0, nl;
    while ((nl = pending_.find('\n', start)) != std::string::npos) {
      emit(pending_.substr(start, nl - start));
      start = nl + 1;
    }
    pending_.erase(0, start);
    if (pending_.size() > max_pending_) Flush(emit);
  }

  // Emits what was written after the last newline, if anything (the stream ended).
  template <typename Emit>
  void Flush(Emit&& emit) {
    if (pending_.empty()) return;
    std::string line = std::move(pending_);
    pending_.clear();
    emit(std::move(line));
  }

  bool empty() const { return pending_.empty(); }

 private:
  size_t max_pending_;
  std::string pending_;
};

}  // namespace nimbus::output
