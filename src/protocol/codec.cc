#include "protocol/codec.h"

#include "protocol/json_codec.h"
#include "protocol/query_codec.h"
#include "protocol/rest_json_codec.h"

namespace nimbus {
namespace {

const JsonCodec json;
const RestJsonCodec rest_json;
const QueryCodec query;

// True when the urlencoded `form` has an Action parameter.
bool NamesAction(std::string_view form) {
  return form.starts_with("Action=") || form.find("&Action=") != std::string_view::npos;
}

}  // namespace

const ProtocolCodec& CodecFor(const ServiceModel& model) {
  const std::string& p = model.metadata().protocol;
  if (p == "rest-json") return rest_json;
  if (p == "query") return query;
  return json;
}

const ProtocolCodec& CodecFor(const ServiceModel& model, const HttpRequest& request) {
  if (model.metadata().query_compatible && !request.headers.Has("X-Amz-Target")) {
    std::string_view target = request.target;
    size_t q = target.find('?');
    if (NamesAction(request.body) ||
        (q != std::string_view::npos && NamesAction(target.substr(q + 1)))) {
      return query;
    }
  }
  return CodecFor(model);
}

}  // namespace nimbus
