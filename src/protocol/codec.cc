#include "protocol/codec.h"

#include "protocol/json_codec.h"
#include "protocol/query_codec.h"
#include "protocol/rest_json_codec.h"

namespace nimbus {

const ProtocolCodec& CodecFor(const ServiceModel& model) {
  static const JsonCodec json;
  static const RestJsonCodec rest_json;
  static const QueryCodec query;
  const std::string& p = model.metadata().protocol;
  if (p == "rest-json") return rest_json;
  if (p == "query") return query;
  return json;
}

}  // namespace nimbus
