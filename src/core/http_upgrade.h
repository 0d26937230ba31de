// A connection a handler takes over after answering 101 Switching Protocols (a WebSocket): the
// handler sets HttpResponse::upgrade, the server writes the 101 head (status and headers only)
// and then runs the upgrade with the raw byte stream until it returns, and closes the
// connection. Everything happens on the connection's event loop.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>

namespace nimbus {

// The raw stream of an upgraded connection, owned by the server and valid while
// HttpUpgrade::Run runs. One read and one write may be outstanding at the same time (from two
// coroutines of the connection's loop); not two of either.
class UpgradedStream {
 public:
  virtual ~UpgradedStream() = default;
  // Up to `max` bytes into `dst` (bytes the client sent after its request head come first);
  // waits as long as it takes. 0 on EOF, error or Close().
  virtual boost::asio::awaitable<size_t> ReadSome(char* dst, size_t max) = 0;
  // Writes all of `bytes`. False on error, Close(), or when the peer takes nothing for the
  // server's idle timeout.
  virtual boost::asio::awaitable<bool> Write(std::string_view bytes) = 0;
  // Closes the connection: outstanding and later reads and writes fail. Idempotent.
  virtual void Close() = 0;
};

// What runs on an upgraded connection. The server also closes the connection when it stops.
class HttpUpgrade {
 public:
  virtual ~HttpUpgrade() = default;
  // Serves the connection; returns when done (the server then closes it).
  virtual boost::asio::awaitable<void> Run(UpgradedStream& stream) = 0;
};

}  // namespace nimbus
