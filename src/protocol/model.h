// AWS service models (derived from botocore, embedded at build time) and the lookups codecs and
// the router use. Models are parsed lazily on first use, once, and are immutable afterwards:
// every pointer handed out stays valid for the life of the process and is safe to share between
// threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus {

struct ServiceMetadata {
  std::string name;               // model name, e.g. "sts"
  std::string protocol;           // "json", "rest-json", "query"
  std::string api_version;        // e.g. "2011-06-15"
  std::string target_prefix;      // json: X-Amz-Target prefix
  std::string signing_name;       // signingName, else endpointPrefix
  std::string endpoint_prefix;    // e.g. "api.ecr"
  std::string service_id;         // e.g. "Lambda"
  std::string json_version;       // json: "1.0" or "1.1"
  std::string xml_namespace;      // query: xmlns of responses
  bool query_compatible = false;  // awsQueryCompatible json service (SQS)
  std::string botocore_version;   // botocore the model was derived from
};

enum class ShapeType : uint8_t {
  kStructure,
  kList,
  kMap,
  kString,
  kInteger,
  kLong,
  kFloat,
  kDouble,
  kBoolean,
  kBlob,
  kTimestamp,
  kUnknown,
};

// Where a member lives on the wire (botocore `location`; kBody when absent).
enum class Location : uint8_t { kBody, kHeader, kHeaders, kQueryString, kUri, kStatusCode };

enum class TimestampFormat : uint8_t { kDefault, kIso8601, kUnixTimestamp, kRfc822 };

struct Shape;

// A reference to a shape with the serialization traits of that use (member-level traits merged
// over the target shape's own traits, as botocore resolves them).
struct MemberRef {
  std::string name;              // member name (the Value key); empty for list/map children
  std::string location_name;     // locationName, or empty
  // queryLocationName: the query protocol's name where a json model with awsQueryCompatible
  // (SQS) lost it (tools/model_overlays); json ignores it. Usually empty.
  std::string query_name;
  const Shape* shape = nullptr;  // never null once the model is built
  Location location = Location::kBody;
  TimestampFormat timestamp_format = TimestampFormat::kDefault;
  bool flattened = false;
  bool jsonvalue = false;
  bool required = false;
  bool idempotency_token = false;
  bool streaming = false;

  // locationName when set, else `name`.
  const std::string& wire_name() const { return location_name.empty() ? name : location_name; }
  // The query protocol's names: query_name when set, else location_name / wire_name().
  const std::string& query_location_name() const {
    return query_name.empty() ? location_name : query_name;
  }
  const std::string& query_wire_name() const {
    return query_name.empty() ? wire_name() : query_name;
  }
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::kUnknown;
  std::vector<MemberRef> members;  // structure members in model order
  MemberRef member;                // list element
  MemberRef key, value;            // map entry
  MemberRef traits;                // the shape's own serialization traits (shape unset)
  std::string payload;             // structure: name of the payload member, or empty
  bool document = false;
  bool is_union = false;
  bool streaming = false;
  bool eventstream = false;
  // Error shapes.
  bool exception = false;
  bool fault = false;
  std::string error_code;  // error.code when set, else the shape name
  int error_status = 400;  // error.httpStatusCode (400 when absent; 500 for faults)
  bool sender_fault = true;

  // Structure member by member name; nullptr when absent.
  const MemberRef* FindMember(std::string_view member_name) const;
  // The payload member, or nullptr.
  const MemberRef* PayloadMember() const;
};

// One segment of a rest requestUri path: a literal, a `{Label}` or a greedy `{Label+}`.
struct UriSegment {
  enum Kind : uint8_t { kLiteral, kLabel, kGreedy } kind = kLiteral;
  std::string text;  // literal text (percent-encoded form) or label name
};

class OperationModel {
 public:
  // Operation name, e.g. "GetCallerIdentity".
  const std::string& name() const { return name_; }
  const std::string& http_method() const { return http_method_; }
  const std::string& request_uri() const { return request_uri_; }
  // http.responseCode, or 200 when the model gives none.
  int response_code() const { return response_code_; }
  // Input/output structure shapes; nullptr when the operation has none.
  const Shape* input() const { return input_; }
  const Shape* output() const { return output_; }
  // query: output.resultWrapper (e.g. "GetCallerIdentityResult"), or empty.
  const std::string& result_wrapper() const { return result_wrapper_; }
  // Modeled error shapes.
  const std::vector<const Shape*>& errors() const { return errors_; }
  // True when one of errors() is named `code`.
  bool HasError(std::string_view code) const;
  // rest protocols: parsed requestUri path segments and static query literals.
  const std::vector<UriSegment>& path_segments() const { return path_segments_; }
  const std::vector<std::pair<std::string, std::string>>& uri_query() const { return uri_query_; }

 private:
  friend class ModelBuilder;
  std::string name_, http_method_ = "POST", request_uri_ = "/";
  int response_code_ = 200;
  const Shape* input_ = nullptr;
  const Shape* output_ = nullptr;
  std::string result_wrapper_;
  std::vector<const Shape*> errors_;
  std::vector<UriSegment> path_segments_;
  std::vector<std::pair<std::string, std::string>> uri_query_;
};

class ServiceModel {
 public:
  ServiceModel();
  ~ServiceModel();
  ServiceModel(const ServiceModel&) = delete;
  ServiceModel& operator=(const ServiceModel&) = delete;

  const ServiceMetadata& metadata() const { return metadata_; }
  // nullptr when the service has no operation of that name.
  const OperationModel* FindOperation(std::string_view name) const;
  // All operation names, sorted.
  std::vector<std::string> OperationNames() const;
  // All operations, sorted by name.
  const std::vector<std::unique_ptr<OperationModel>>& operations() const { return operations_; }
  // Shape by model name; nullptr when absent.
  const Shape* FindShape(std::string_view name) const;
  // The error shape whose error_code is `code` (e.g. "AWS.SimpleQueueService.NonExistentQueue"
  // gives QueueDoesNotExist); nullptr when none. A linear scan: for error paths only.
  const Shape* FindErrorShape(std::string_view code) const;
  // The operations a request with HTTP `method` and a path of `segments` non-empty segments can
  // match: request URI templates of exactly that length, or of at most that length with a
  // greedy label. In name order; empty when none. nullptr for paths longer than the index
  // covers: then any operation with that method may match. Built by Parse.
  const std::vector<const OperationModel*>* RouteCandidates(std::string_view method,
                                                            size_t segments) const;

  // Parses a compact model JSON (tools/gen_models.py output). nullptr when it is malformed.
  static std::unique_ptr<ServiceModel> Parse(std::string_view compact_json);

 private:
  friend class ModelBuilder;
  ServiceMetadata metadata_;
  std::vector<std::unique_ptr<OperationModel>> operations_;  // sorted by name
  std::vector<std::unique_ptr<Shape>> shapes_;               // sorted by name
  static constexpr size_t kRouteIndexSegments = 16;
  // Per HTTP method, RouteCandidates for 0..kRouteIndexSegments segments.
  std::vector<std::pair<std::string, std::vector<std::vector<const OperationModel*>>>> routes_;
};

// Lazily parses the embedded model on first use (thread-safe, parsed once). nullptr if nimbus
// embeds no model of that name.
const ServiceModel* FindServiceModel(std::string_view name);
// Names of all embedded models, in embedding order. Parses nothing.
std::vector<std::string> EmbeddedServiceNames();
// botocore version the embedded models were derived from.
std::string_view EmbeddedBotocoreVersion();

}  // namespace nimbus
