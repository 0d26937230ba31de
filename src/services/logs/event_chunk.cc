#include "services/logs/event_chunk.h"

#include <charconv>

namespace nimbus::logs {
namespace {

// Parses "<digits>:" at the front of `in` and advances past the colon.
bool TakeNumber(std::string_view& in, int64_t& out) {
  const char* end = in.data() + in.size();
  auto [ptr, ec] = std::from_chars(in.data(), end, out);
  if (ec != std::errc() || ptr == in.data() || ptr == end || *ptr != ':' || out < 0) return false;
  in.remove_prefix(static_cast<size_t>(ptr - in.data()) + 1);
  return true;
}

}  // namespace

void AppendChunkEvent(std::string& blob, int64_t timestamp_ms, std::string_view message) {
  char buf[64];  // two numbers of at most 20 characters each, and two colons
  char* p = std::to_chars(buf, buf + 20, timestamp_ms < 0 ? 0 : timestamp_ms).ptr;
  p[0] = ':';
  p = std::to_chars(p + 1, p + 21, message.size()).ptr;
  p[0] = ':';
  blob.append(buf, p + 1);
  blob.append(message);
}

Result<std::vector<ChunkEvent>> DecodeChunk(std::string_view blob) {
  std::vector<ChunkEvent> out;
  while (!blob.empty()) {
    int64_t ts = 0, len = 0;
    if (!TakeNumber(blob, ts) || !TakeNumber(blob, len) ||
        static_cast<uint64_t>(len) > blob.size()) {
      return Status::Corruption("corrupt log event chunk");
    }
    out.push_back({ts, blob.substr(0, static_cast<size_t>(len))});
    blob.remove_prefix(static_cast<size_t>(len));
  }
  return out;
}

}  // namespace nimbus::logs
