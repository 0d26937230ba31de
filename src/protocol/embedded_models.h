// Internal: the compact service models embedded at build time by tools/gen_models.py.
#pragma once

#include <cstddef>
#include <span>

#include "protocol/service_routing.h"

namespace nimbus::protocol_internal {

struct EmbeddedModel {
  const char* name;  // botocore model name, e.g. "lambda"
  const char* data;  // compact JSON, NUL-terminated, static storage
  size_t size;       // bytes of JSON (excluding the NUL)
  ServiceRouting routing;  // what the router needs, without parsing `data`
};

// All embedded models, in generation order. Static data; never fails.
std::span<const EmbeddedModel> EmbeddedModels();

// botocore version the models were derived from (e.g. "1.43.11").
extern const char kBotocoreVersion[];

}  // namespace nimbus::protocol_internal
