// Test helper for botocore_parse_check.py: reads a JSON array of cases from stdin, each
// {"service", "operation", "output"} or {"service", "error": {code, message, status, sender,
// fields}}, encodes them with nimbus' codecs and prints a JSON array of
// {"status", "headers": [[k, v]...], "body_b64"}. Blobs in "output" are {"$binary": "<b64>"}.
#include <iostream>
#include <iterator>
#include <string>

#include "protocol/codec.h"
#include "protocol/wire.h"

namespace {

nimbus::Value Denormalize(const nimbus::Value& v) {
  if (v.is_object() && v.size() == 1 && v.contains("$binary")) {
    auto bytes = nimbus::wire::Base64Decode(v["$binary"].get<std::string>()).value_or("");
    return nimbus::Value::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
  }
  if (v.is_object()) {
    nimbus::Value out = nimbus::Value::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = Denormalize(*it);
    return out;
  }
  if (v.is_array()) {
    nimbus::Value out = nimbus::Value::array();
    for (const auto& e : v) out.push_back(Denormalize(e));
    return out;
  }
  return v;
}

}  // namespace

int main() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  nimbus::Value cases = nimbus::Value::parse(text, nullptr, false);
  if (!cases.is_array()) return 2;
  nimbus::Value results = nimbus::Value::array();
  for (const auto& c : cases) {
    const nimbus::ServiceModel* model = nimbus::FindServiceModel(c["service"].get<std::string>());
    if (model == nullptr) return 3;
    nimbus::CallContext call;
    call.request_id = "req-1234";
    nimbus::HttpResponse response;
    if (c.contains("error")) {
      const auto& e = c["error"];
      nimbus::AwsError error(e["code"].get<std::string>(), e["message"].get<std::string>(),
                             e.value("status", 400), e.value("sender", true));
      if (e.contains("fields")) error.fields = e["fields"];
      nimbus::CodecFor(*model).EncodeError(*model, error, call, response);
    } else {
      const nimbus::OperationModel* op = model->FindOperation(c["operation"].get<std::string>());
      if (op == nullptr) return 4;
      nimbus::CodecFor(*model).EncodeResult(*model, *op, Denormalize(c["output"]), call, response);
    }
    nimbus::Value headers = nimbus::Value::array();
    for (const auto& [k, v] : response.headers.entries()) headers.push_back({k, v});
    results.push_back({{"status", response.status},
                       {"headers", headers},
                       {"body_b64", nimbus::wire::Base64Encode(response.body)}});
  }
  std::cout << results.dump() << "\n";
  return 0;
}
