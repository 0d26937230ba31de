// The receiving end of bench/sns_bench.py: an HTTP/1.1 server on 127.0.0.1 that answers every
// POST 200 (keep-alive) and counts them, keeps the SubscribeURLs of SubscriptionConfirmations,
// and answers GET /count with the number of POSTs and GET /confirmations with the URLs, one a
// line. One thread (asio); prints its port on stdout. Usage: sns_sink [port]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

long g_posts = 0;
std::vector<std::string> g_confirmations;

std::string Field(const std::string& body, const std::string& key) {
  std::string needle = "\"" + key + "\":\"";
  size_t at = body.find(needle);
  if (at == std::string::npos) return "";
  size_t end = body.find('"', at + needle.size());
  return body.substr(at + needle.size(), end - at - needle.size());
}

asio::awaitable<void> Serve(tcp::socket socket) {
  std::string buf;
  char chunk[65536];
  for (;;) {
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      boost::system::error_code ec;
      size_t n = co_await socket.async_read_some(asio::buffer(chunk),
                                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      buf.append(chunk, n);
    }
    std::string head = buf.substr(0, head_end);
    size_t length = 0;
    for (const char* name : {"Content-Length: ", "content-length: "}) {
      size_t at = head.find(name);
      if (at != std::string::npos) length = std::strtoull(head.c_str() + at + 16, nullptr, 10);
    }
    while (buf.size() < head_end + 4 + length) {
      boost::system::error_code ec;
      size_t n = co_await socket.async_read_some(asio::buffer(chunk),
                                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      buf.append(chunk, n);
    }
    std::string body = buf.substr(head_end + 4, length);
    buf.erase(0, head_end + 4 + length);
    std::string answer;
    if (head.rfind("GET /count", 0) == 0) {
      answer = std::to_string(g_posts);
    } else if (head.rfind("GET /confirmations", 0) == 0) {
      for (const std::string& u : g_confirmations) answer += u + "\n";
    } else {
      ++g_posts;
      if (head.find("SubscriptionConfirmation") != std::string::npos) {
        g_confirmations.push_back(Field(body, "SubscribeURL"));
      }
    }
    std::string response = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(answer.size()) +
                           "\r\n\r\n" + answer;
    boost::system::error_code ec;
    co_await asio::async_write(socket, asio::buffer(response),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) continue;
    s.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), Serve(std::move(s)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  asio::io_context loop(1);
  unsigned short port = argc > 1 ? static_cast<unsigned short>(std::atoi(argv[1])) : 0;
  tcp::acceptor acceptor(loop, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::printf("%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::co_spawn(loop, Accept(acceptor), asio::detached);
  loop.run();
}
