#include "services/ecs/awslogs/event_assembler.h"

namespace nimbus::ecs::awslogs {

void EventAssembler::Emit(const std::string& text, int64_t timestamp_ms,
                          std::vector<logs::LogLine>& out) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + kMaxEventBytes);
    if (end < text.size()) {
      // Back up to a character boundary (never split a UTF-8 sequence).
      size_t cut = end;
      while (cut > start && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      if (cut > start) end = cut;
    }
    out.push_back(logs::LogLine{timestamp_ms, text.substr(start, end - start)});
    start = end;
  }
}

void EventAssembler::Add(const std::string& line, int64_t now_ms, std::vector<logs::LogLine>& out) {
  if (line_start_ == nullptr) {
    Emit(line, now_ms, out);
    return;
  }
  if (std::regex_search(line, *line_start_) || buffer_.size() + line.size() > kMaxEventBytes) {
    Flush(out);
  }
  if (buffer_.empty()) buffer_ms_ = now_ms;
  buffer_ += line;
  if (line.size() < kMaxEventBytes) buffer_ += '\n';
}

void EventAssembler::FlushIfOld(int64_t now_ms, std::vector<logs::LogLine>& out) {
  if (buffer_.empty()) return;
  int64_t age = now_ms - buffer_ms_;
  if (age >= kFlushAfterMs || age < 0) Flush(out);
}

void EventAssembler::Flush(std::vector<logs::LogLine>& out) {
  if (buffer_.empty()) return;
  Emit(buffer_, buffer_ms_, out);
  buffer_.clear();
}

}  // namespace nimbus::ecs::awslogs
