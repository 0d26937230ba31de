#include "protocol/json_codec.h"

#include "protocol/codec_common.h"
#include "protocol/json_shape.h"
#include "protocol/protocol_errors.h"

namespace nimbus {
namespace {

std::string ContentType(const ServiceModel& model) {
  const std::string& v = model.metadata().json_version;
  return "application/x-amz-json-" + (v.empty() ? std::string("1.0") : v);
}

}  // namespace

Result<DecodedCall, AwsError> JsonCodec::Decode(const ServiceModel& model,
                                                const HttpRequest& request) const {
  std::string_view target = request.headers.Get("X-Amz-Target");
  size_t dot = target.rfind('.');
  const OperationModel* op = nullptr;
  if (dot != std::string_view::npos && target.substr(0, dot) == model.metadata().target_prefix) {
    op = model.FindOperation(target.substr(dot + 1));
  }
  if (op == nullptr) {
    return AwsError("UnknownOperationException", target.empty()
                                                     ? std::string("Missing X-Amz-Target header")
                                                     : "Unknown operation " + std::string(target));
  }
  DecodedCall call;
  call.operation = op;
  Value parsed;
  std::string error;
  if (!json_shape::ParseBody(request.body, parsed, error)) {
    return protocol_errors::BadContent(model, op, error);
  }
  if (op->input() == nullptr) {
    call.input = Value::object();
    return call;
  }
  if (!json_shape::FromJson(json_shape::RefTo(*op->input()), std::move(parsed), call.input,
                            error)) {
    return protocol_errors::BadContent(model, op, error);
  }
  std::string missing;
  if (!protocol_errors::CheckRequired(*op->input(), call.input, missing)) {
    return protocol_errors::MissingRequired(model, *op, missing);
  }
  return call;
}

void JsonCodec::EncodeResult(const ServiceModel& model, const OperationModel& operation,
                             const Value& output, const CallContext& call,
                             HttpResponse& response) const {
  response.status = 200;
  response.headers.Set("Content-Type", ContentType(model));
  codec_common::SetRequestId(call, response);
  response.body.clear();
  if (operation.output() == nullptr || !output.is_object()) {
    response.body = "{}";
    return;
  }
  json_shape::ToJson(json_shape::RefTo(*operation.output()), output, response.body);
}

void JsonCodec::EncodeError(const ServiceModel& model, const AwsError& error,
                            const CallContext& call, HttpResponse& response) const {
  response.status = error.http_status;
  response.headers.Set("Content-Type", ContentType(model));
  response.headers.Set("x-amzn-ErrorType", error.code);
  if (model.metadata().query_compatible) {
    response.headers.Set("x-amzn-query-error",
                         error.code + (error.sender_fault ? ";Sender" : ";Receiver"));
  }
  codec_common::SetRequestId(call, response);
  codec_common::AddErrorHeaders(error, response);
  std::string& out = response.body;
  out.clear();
  out += "{\"__type\":";
  // An awsQueryCompatible service's modeled errors: the code is the query code (the header
  // above); __type names the error shape, as AWS answers ("com.amazonaws.sqs#QueueDoesNotExist")
  // and SDKs pick the exception class by.
  const Shape* shape =
      model.metadata().query_compatible ? model.FindErrorShape(error.code) : nullptr;
  if (shape != nullptr) {
    json_shape::WriteString("com.amazonaws." + model.metadata().name + "#" + shape->name, out);
  } else {
    json_shape::WriteString(error.code, out);
  }
  // AWS sends "message" (lower case) even where models spell the member "Message".
  codec_common::AppendErrorMessageAndFields(error, "__type", out);
  out += '}';
}

}  // namespace nimbus
