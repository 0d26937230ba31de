#include "core/http_parser.h"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(HttpParserTest, NeedsMoreUntilBlankLine) {
  HttpRequest req;
  auto head = ParseRequestHead("GET / HTTP/1.1\r\nHost: x\r\n", {}, req);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->head_bytes, 0u);
}

TEST(HttpParserTest, ParsesRequestLineHeadersAndQuery) {
  HttpRequest req;
  std::string raw =
      "POST /2015-03-31/functions/f/invocations?Qualifier=%24LATEST HTTP/1.1\r\n"
      "Host: localhost:4566\r\nContent-Length: 5\r\nX-Amz-Target:  a.b  \r\n\r\nhello";
  auto head = ParseRequestHead(raw, {}, req);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->head_bytes, raw.size() - 5);
  EXPECT_EQ(head->framing, BodyFraming::kContentLength);
  EXPECT_EQ(head->content_length, 5u);
  EXPECT_TRUE(head->keep_alive);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/2015-03-31/functions/f/invocations");
  EXPECT_EQ(req.query, "Qualifier=%24LATEST");
  EXPECT_EQ(req.headers.Get("x-amz-target"), "a.b");
}

TEST(HttpParserTest, Http10ClosesUnlessKeepAlive) {
  HttpRequest req;
  auto head = ParseRequestHead("GET / HTTP/1.0\r\n\r\n", {}, req);
  ASSERT_TRUE(head.ok());
  EXPECT_FALSE(head->keep_alive);
  head = ParseRequestHead("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", {}, req);
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(head->keep_alive);
}

TEST(HttpParserTest, ExpectContinueAndChunked) {
  HttpRequest req;
  auto head = ParseRequestHead(
      "PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", {}, req);
  ASSERT_TRUE(head.ok());
  EXPECT_TRUE(head->expect_continue);
  EXPECT_EQ(head->framing, BodyFraming::kChunked);
}

struct BadCase {
  std::string raw;
  int status;
};

TEST(HttpParserTest, RejectsMalformedHeads) {
  std::vector<BadCase> cases = {
      {"GET\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET / FOO/1.1\r\n\r\n", 400},
      {"G@T / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nExpect: teapot\r\n\r\n", 417},
      {"GET relative HTTP/1.1\r\n\r\n", 400},
      // Only "chunked" is a transfer coding nimbus knows: any other, even before chunked, is
      // 501 (RFC 9112 6.1), and chunked twice or in HTTP/1.0 is broken framing.
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: ,\r\n\r\n", 400},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
  };
  for (const auto& c : cases) {
    HttpRequest req;
    auto head = ParseRequestHead(c.raw, {}, req);
    ASSERT_FALSE(head.ok()) << c.raw;
    EXPECT_EQ(head.error().status, c.status) << c.raw;
  }
}

TEST(HttpParserTest, AcceptsChunkedInAnyCase) {
  HttpRequest req;
  auto head = ParseRequestHead("POST / HTTP/1.1\r\nTransfer-Encoding:  Chunked \r\n\r\n", {}, req);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->framing, BodyFraming::kChunked);
}

TEST(HttpParserTest, RejectsBareLfAtOnce) {
  // Refused as soon as the bare LF arrives, not after a head that never completes.
  for (std::string raw :
       {"GET / HTTP/1.1\n", "GET / HTTP/1.1\nHost: x\n\n", "GET / HTTP/1.1\r\nHost: x\n",
        "\nGET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\n"}) {
    HttpRequest req;
    auto head = ParseRequestHead(raw, {}, req);
    ASSERT_FALSE(head.ok()) << raw;
    EXPECT_EQ(head.error().status, 400) << raw;
  }
  // A body after the head may hold any bytes.
  HttpRequest req;
  auto head = ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\na\nb", {}, req);
  ASSERT_TRUE(head.ok());
  EXPECT_GT(head->head_bytes, 0u);
}

TEST(HttpParserTest, RejectsTlsHandshakeBeforeTheHeadIsComplete) {
  HttpRequest req;
  const char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
  auto head = ParseRequestHead(std::string_view(hello, sizeof hello), {}, req);
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().status, 400);
}

TEST(HttpParserTest, EnforcesLimits) {
  HttpLimits limits;
  limits.max_head_bytes = 64;
  limits.max_body_bytes = 10;
  HttpRequest req;
  auto head = ParseRequestHead(std::string(100, 'a'), limits, req);
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().status, 414);
  head = ParseRequestHead("GET / HTTP/1.1\r\nX: " + std::string(100, 'a'), limits, req);
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().status, 431);
  head = ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits, req);
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().status, 413);
}

TEST(ChunkedDecoderTest, DecodesAcrossArbitrarySplits) {
  std::string wire = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (size_t split = 0; split <= wire.size(); ++split) {
    ChunkedDecoder dec(1024);
    std::string out, pending;
    size_t fed = 0;
    for (std::string_view piece :
         {std::string_view(wire).substr(0, split), std::string_view(wire).substr(split)}) {
      pending.append(piece);
      auto n = dec.Feed(pending, out);
      ASSERT_TRUE(n.ok());
      fed += *n;
      pending.erase(0, *n);
      if (dec.done()) break;
    }
    ASSERT_TRUE(dec.done()) << split;
    EXPECT_EQ(out, "hello world");
    EXPECT_EQ(wire.substr(fed), "NEXT") << split;
    EXPECT_EQ(dec.trailers().Get("trailer"), "x") << split;
  }
}

TEST(ChunkedDecoderTest, KeepsTrailersSkipsMalformedOnesAndBoundsThem) {
  std::string out;
  ChunkedDecoder dec(1024);
  auto n = dec.Feed(
      "2\r\nok\r\n0\r\nLambda-Runtime-Function-Error-Type:  Fn.Err \r\nno colon\r\n"
      ": empty name\r\nBad Name: x\r\nCtl: a\x01"
      "b\r\nLambda-Runtime-Function-Error-Body: e30=\r\n\r\n",
      out);
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE(dec.done());
  EXPECT_EQ(out, "ok");
  EXPECT_EQ(dec.trailers().size(), 2u);
  EXPECT_EQ(dec.trailers().Get("lambda-runtime-function-error-type"), "Fn.Err");
  EXPECT_EQ(dec.trailers().Get("Lambda-Runtime-Function-Error-Body"), "e30=");
  // Many short trailer lines: at most 64 kept, and 64 KiB of them in all.
  ChunkedDecoder many(1024);
  std::string wire = "0\r\n";
  for (int i = 0; i < 100; ++i) wire += "T" + std::to_string(i) + ": v\r\n";
  ASSERT_TRUE(many.Feed(wire + "\r\n", out).ok());
  EXPECT_EQ(many.trailers().size(), 64u);
  ChunkedDecoder flood(1024);
  std::string line = "X: " + std::string(8000, 'v') + "\r\n";
  std::string lots = "0\r\n";
  for (int i = 0; i < 10; ++i) lots += line;
  auto r = flood.Feed(lots, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 431);
}

TEST(ChunkedDecoderTest, RejectsBadSizesAndOversize) {
  std::string out;
  ChunkedDecoder bad(1024);
  EXPECT_FALSE(bad.Feed("zz\r\n", out).ok());
  ChunkedDecoder big(4);
  auto r = big.Feed("5\r\nhello\r\n", out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 413);
  ChunkedDecoder noterm(1024);
  EXPECT_FALSE(noterm.Feed("1\r\naXX", out).ok());
}

}  // namespace
}  // namespace nimbus

// A reused HttpHeaders (one per connection) hands back exactly the new headers after clear().
TEST(HttpHeadersTest, ClearThenAddCopyReusesStorageWithoutStaleContent) {
  nimbus::HttpHeaders h;
  h.AddCopy("Authorization", std::string(200, 'a'));
  h.AddCopy("Content-Type", "application/json");
  h.clear();
  EXPECT_EQ(h.size(), 0u);
  EXPECT_FALSE(h.Has("Authorization"));
  h.AddCopy("Host", "x");
  h.AddCopy("content-type", "text/plain");
  h.AddCopy("X-Three", "3");  // more than were cleared
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h.entries()[0], (std::pair<std::string, std::string>{"Host", "x"}));
  EXPECT_EQ(h.Get("Content-Type"), "text/plain");
  EXPECT_EQ(h.Get("x-three"), "3");
  EXPECT_FALSE(h.Has("Authorization"));
}
