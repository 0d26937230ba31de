// Shared harness for the protocol codec fuzz targets. Input layout: byte 0 picks a service of
// the codec's protocol; the rest is "METHOD PATH[?QUERY]\n" + "Name: value\n"* + "\n" + body.
// Every decoded call is re-encoded as an output and every message as an error, so encoders see
// arbitrary values too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/codec.h"

namespace nimbus::fuzz {

inline HttpRequest ParseFuzzRequest(std::string_view in) {
  HttpRequest r;
  size_t eol = in.find('\n');
  std::string_view line = in.substr(0, eol);
  in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
  size_t sp = line.find(' ');
  r.method = std::string(line.substr(0, sp));
  r.target = sp == std::string_view::npos ? "/" : std::string(line.substr(sp + 1));
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  while (!in.empty()) {
    eol = in.find('\n');
    line = in.substr(0, eol);
    in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.Add(std::string(line.substr(0, colon)), std::string(value));
  }
  r.body = std::string(in);
  return r;
}

template <size_t N>
int RunOne(const char* const (&services)[N], const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const ServiceModel* model = FindServiceModel(services[data[0] % N]);
  if (model == nullptr) __builtin_trap();
  HttpRequest req =
      ParseFuzzRequest(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  const ProtocolCodec& codec = CodecFor(*model);
  CallContext call;
  call.request_id = "fuzz";
  HttpResponse resp;
  auto decoded = codec.Decode(*model, req);
  if (decoded.ok()) {
    codec.EncodeResult(*model, *decoded->operation, decoded->input, call, resp);
    if (decoded->operation->output() != nullptr) {
      // The input is shaped differently from the output: exercises the mismatch paths.
      codec.EncodeResult(*model, *decoded->operation, Value{{"x", decoded->input}}, call, resp);
    }
  } else {
    codec.EncodeError(*model, decoded.error(), call, resp);
  }
  AwsError err("Fuzz", req.body);
  codec.EncodeError(*model, err, call, resp);
  return 0;
}

}  // namespace nimbus::fuzz
