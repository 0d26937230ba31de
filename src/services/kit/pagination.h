// Page tokens (nextToken) for every service, written once: opaque to clients, base64 of a tag
// naming what the token is for and a payload. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus {

// base64("<tag><payload>"), e.g. tag "nimbus/groups/" (logs) and a group name.
std::string EncodeTaggedToken(std::string_view tag, std::string_view payload);
// The payload of a token EncodeTaggedToken made with `tag`; nullopt when `token` is not base64
// or carries another tag.
std::optional<std::string> DecodeTaggedToken(std::string_view tag, std::string_view token);

// For a list a service builds whole and in order (ECR's listings): the offset of the next page,
// as base64("o:<decimal>").
std::string EncodeOffsetToken(size_t offset);
// nullopt unless `token` is EncodeOffsetToken's form (digits only, about 10^9 at most).
std::optional<size_t> DecodeOffsetToken(std::string_view token);

// Pages a listing a service walks in ascending key order (an in-memory map), with tokens that
// are EncodeTaggedToken(tag, last key returned):
//
//   KeyPager page("nimbus/lambda-aliases/", Str(in, "Marker"), max);
//   if (!page.valid()) return <the service's error for a bad token>;
//   for (const auto& [key, item] : items) {  // ascending keys; filter before Offer
//     KeyPager::Step step = page.Offer(key);
//     if (step == KeyPager::kSkip) continue;
//     if (step == KeyPager::kFull) break;
//     out.push_back(item);
//   }
//   if (auto next = page.next_token()) out["NextMarker"] = *next;
//
// Not thread-safe; one per request.
class KeyPager {
 public:
  enum Step {
    kSkip,  // at or before the token's key: an earlier page returned it
    kTake,  // return it
    kFull,  // the page is full: stop walking (next_token() is set)
  };
  // `token` is the client's (empty: the first page); `max` > 0.
  KeyPager(std::string_view tag, std::string_view token, int64_t max);
  // False when a non-empty token is not one of `tag`'s.
  bool valid() const { return valid_; }
  Step Offer(std::string_view key);
  // The next page's token once Offer answered kFull; nullopt when this page ends the list.
  const std::optional<std::string>& next_token() const { return next_; }

 private:
  std::string tag_;
  std::optional<std::string> after_;
  int64_t max_;
  int64_t taken_ = 0;
  std::string last_;
  bool valid_ = true;
  std::optional<std::string> next_;
};

}  // namespace nimbus
