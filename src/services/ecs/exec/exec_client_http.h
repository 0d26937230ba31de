// Internal to `nimbus ecs exec` (exec_client.h): the WebSocket connection to a session's
// streamUrl, over a blocking socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "sandbox/fd.h"

namespace nimbus::ecs::exec {

struct Endpoint {
  std::string host;  // without brackets
  std::string port;
  std::string path;  // with the query; "/" when empty
};

// "http://host:port" or "ws://host:port/path?query" (the port defaults to 80). InvalidArgument
// for another scheme or a malformed URL.
Result<Endpoint> ParseUrl(const std::string& url);

// A connected TCP socket (blocking, close-on-exec). Unavailable naming the address on failure.
Result<sandbox::UniqueFd> Connect(const Endpoint& endpoint);

// Opens a WebSocket on `url` (the opening handshake checked) and returns the socket, plus the
// bytes that arrived after the 101 response.
struct WebSocketStart {
  sandbox::UniqueFd socket;
  std::string pending;
};
Result<WebSocketStart> OpenWebSocket(const std::string& url);

// Writes all of `bytes`; false on error.
bool WriteAll(int fd, std::string_view bytes);

}  // namespace nimbus::ecs::exec
