// Serializes HTTP/1.1 response heads and the server's own protocol-level error responses.
// Stateless apart from a per-thread cached Date header value; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/http.h"

namespace nimbus {

// Status line and headers (with Content-Length, Date, Connection) ending in CRLFCRLF.
// `body_length` is what Content-Length says unless the response sets it itself or has a
// stream (then the caller adds Transfer-Encoding: chunked).
std::string BuildResponseHead(const HttpResponse& response, uint64_t body_length,
                              bool keep_alive);

// A response for a request nimbus could not read as HTTP (malformed, over a limit, timed out):
// AWS-shaped JSON `{"__type","message"}` with x-amzn-ErrorType, and Connection: close.
HttpResponse HttpLevelError(int status, const std::string& message);

// The message of the 408 RequestTimeout answered to a client whose request head or body did not
// arrive in time (the words of AWS's front ends for it).
inline constexpr const char* kSlowRequestMessage =
    "Your socket connection to the server was not read from or written to within the timeout "
    "period. Idle connections will be closed.";

}  // namespace nimbus
