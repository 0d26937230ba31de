#include "services/logs/tokens.h"

#include "protocol/wire.h"
#include "services/kit/pagination.h"

namespace nimbus::logs {
namespace {

constexpr size_t kHalf = 28;  // digits per half of a stream token (56 in all, as AWS)

std::string Padded(int64_t v) {
  std::string digits = std::to_string(v < 0 ? 0 : v);
  return std::string(kHalf - digits.size(), '0') + digits;
}

std::optional<int64_t> ParseDigits(std::string_view s) {
  // Leading zeros are padding; the value must fit int64.
  size_t i = 0;
  while (i < s.size() && s[i] == '0') ++i;
  std::string_view rest = s.substr(i);
  if (rest.empty()) return 0;
  if (rest.size() > 19) return std::nullopt;
  for (char c : rest) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return wire::ParseInt(rest);
}

std::optional<std::pair<int64_t, int64_t>> SplitPair(std::string_view payload) {
  size_t colon = payload.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto a = wire::ParseInt(payload.substr(0, colon));
  auto b = ParseDigits(payload.substr(colon + 1));
  if (!a || !b || payload.size() == colon + 1) return std::nullopt;
  return std::make_pair(*a, *b);
}

}  // namespace

std::string EncodeStreamToken(bool forward, EventPos pos) {
  return std::string(forward ? "f/" : "b/") + Padded(pos.timestamp) + Padded(pos.id);
}

std::string EventId(EventPos pos) { return Padded(pos.timestamp) + Padded(pos.id); }

std::optional<StreamToken> DecodeStreamToken(std::string_view token) {
  if (token.size() != 2 + 2 * kHalf || token[1] != '/') return std::nullopt;
  if (token[0] != 'f' && token[0] != 'b') return std::nullopt;
  std::string_view digits = token.substr(2);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto ts = ParseDigits(digits.substr(0, kHalf));
  auto id = ParseDigits(digits.substr(kHalf));
  if (!ts || !id) return std::nullopt;
  return StreamToken{token[0] == 'f', EventPos{*ts, *id}};
}

std::string EncodePageToken(std::string_view kind, std::string_view payload) {
  return EncodeTaggedToken("nimbus/" + std::string(kind) + "/", payload);
}

std::optional<std::string> DecodePageToken(std::string_view kind, std::string_view token) {
  return DecodeTaggedToken("nimbus/" + std::string(kind) + "/", token);
}

std::string EncodeFilterToken(EventPos pos) {
  return EncodePageToken("filter", std::to_string(pos.timestamp) + ":" + std::to_string(pos.id));
}

std::optional<EventPos> DecodeFilterToken(std::string_view token) {
  auto payload = DecodePageToken("filter", token);
  if (!payload) return std::nullopt;
  auto pair = SplitPair(*payload);
  if (!pair) return std::nullopt;
  return EventPos{pair->first, pair->second};
}

std::string EncodeStreamsToken(int64_t key, std::string_view name) {
  return EncodePageToken("streams", std::to_string(key) + ":" + std::string(name));
}

std::optional<std::pair<int64_t, std::string>> DecodeStreamsToken(std::string_view token) {
  auto payload = DecodePageToken("streams", token);
  if (!payload) return std::nullopt;
  size_t colon = payload->find(':');
  if (colon == std::string::npos || colon + 1 >= payload->size()) return std::nullopt;
  auto key = wire::ParseInt(std::string_view(*payload).substr(0, colon));
  if (!key) return std::nullopt;
  return std::make_pair(*key, payload->substr(colon + 1));
}

}  // namespace nimbus::logs
