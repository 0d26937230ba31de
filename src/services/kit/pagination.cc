#include "services/kit/pagination.h"

#include "protocol/wire.h"

namespace nimbus {

std::string EncodeTaggedToken(std::string_view tag, std::string_view payload) {
  std::string raw(tag);
  raw.append(payload);
  return wire::Base64Encode(raw);
}

std::optional<std::string> DecodeTaggedToken(std::string_view tag, std::string_view token) {
  auto raw = wire::Base64Decode(token);
  if (!raw || !std::string_view(*raw).starts_with(tag)) return std::nullopt;
  return raw->substr(tag.size());
}

std::string EncodeOffsetToken(size_t offset) {
  return EncodeTaggedToken("o:", std::to_string(offset));
}

std::optional<size_t> DecodeOffsetToken(std::string_view token) {
  auto digits = DecodeTaggedToken("o:", token);
  if (!digits || digits->empty()) return std::nullopt;
  size_t v = 0;
  for (char c : *digits) {
    if (c < '0' || c > '9' || v > 100000000) return std::nullopt;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  return v;
}

KeyPager::KeyPager(std::string_view tag, std::string_view token, int64_t max)
    : tag_(tag), max_(max) {
  if (token.empty()) return;
  after_ = DecodeTaggedToken(tag, token);
  valid_ = after_.has_value();
}

KeyPager::Step KeyPager::Offer(std::string_view key) {
  if (after_ && key <= *after_) return kSkip;
  if (taken_ >= max_) {
    if (!next_) next_ = EncodeTaggedToken(tag_, last_);
    return kFull;
  }
  ++taken_;
  last_.assign(key);
  return kTake;
}

}  // namespace nimbus
