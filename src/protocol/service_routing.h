// The routing index of an embedded service: what ServiceRouter needs to attribute a request to
// it (model metadata and per-operation routing keys), generated at build time by
// tools/gen_models.py next to the model. Reading it parses nothing.
#pragma once

#include <span>
#include <string_view>

namespace nimbus {

struct ServiceRouting {
  std::string_view name;             // model name, e.g. "lambda"
  std::string_view protocol;         // "json", "rest-json", "query"
  std::string_view api_version;      // e.g. "2015-03-31"
  std::string_view target_prefix;    // json: X-Amz-Target prefix
  std::string_view signing_name;     // signingName, else endpointPrefix
  std::string_view endpoint_prefix;  // e.g. "api.ecr"
  std::string_view service_id;       // e.g. "Lambda"
  // rest-json: the distinct first literal path segments of the operations' requestUris.
  std::span<const std::string_view> path_prefixes;
  // query: the operation names.
  std::span<const std::string_view> actions;
  // Every operation name of the model, sorted (all protocols).
  std::span<const std::string_view> operations;
};

// The routing index of embedded model `name` (static storage, never parses the model); nullptr
// if nimbus embeds no model of that name.
const ServiceRouting* FindServiceRouting(std::string_view name);

}  // namespace nimbus
