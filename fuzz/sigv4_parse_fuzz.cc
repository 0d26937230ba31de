// libFuzzer target: SigV4 data (the Authorization header, presigned query parameters, X-Amz-Date
// and Date) comes from any client before it is authenticated. Parsing it from an arbitrary
// request, and verifying it in strict mode (canonical request, scope and time checks, the
// signature), must never crash, hang or read out of bounds.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "auth/authenticator.h"
#include "auth/sigv4_parse.h"
#include "core/clock.h"
#include "core/http_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The raw bytes as a header value and as dates, then as a whole request head.
  (void)nimbus::auth::IsSigV4Authorization(input);
  (void)nimbus::auth::ParseAuthorizationHeader(input);
  (void)nimbus::auth::SplitCredential(input);
  (void)nimbus::auth::HasPresignedQuery(input);
  (void)nimbus::auth::ParseAmzDate(input);
  (void)nimbus::auth::Rfc1123ToAmzDate(input);
  nimbus::HttpLimits limits;
  limits.max_head_bytes = 8192;
  nimbus::HttpRequest request;
  auto head = nimbus::ParseRequestHead(input, limits, request);
  if (!head.ok() || head->head_bytes == 0) return 0;
  (void)nimbus::auth::ParseSigV4(request);
  // The seeds' key and date, so verification gets past the lookups to the signature.
  static const nimbus::FakeClock clock(std::chrono::sys_days(std::chrono::year(2015) /
                                                             std::chrono::August / 30) +
                                       std::chrono::hours(12) + std::chrono::minutes(36));
  static const nimbus::auth::Authenticator strict = [] {
    nimbus::auth::CredentialsTable table;
    (void)table.Add({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "000000000000"});
    return nimbus::auth::Authenticator::Strict(std::move(table), clock);
  }();
  (void)strict.Authenticate(request);
  (void)nimbus::auth::Authenticator::Open(clock).Authenticate(request);
  return 0;
}
