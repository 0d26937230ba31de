#include "protocol/model.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "protocol/embedded_models.h"

namespace nimbus {

// Ordered: structure members must keep model order.
using json = nlohmann::ordered_json;

namespace {

std::string Str(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool Flag(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

ShapeType ParseType(const std::string& t) {
  static const std::pair<const char*, ShapeType> kTypes[] = {
      {"structure", ShapeType::kStructure},
      {"list", ShapeType::kList},
      {"map", ShapeType::kMap},
      {"string", ShapeType::kString},
      {"integer", ShapeType::kInteger},
      {"long", ShapeType::kLong},
      {"float", ShapeType::kFloat},
      {"double", ShapeType::kDouble},
      {"boolean", ShapeType::kBoolean},
      {"blob", ShapeType::kBlob},
      {"timestamp", ShapeType::kTimestamp},
  };
  for (const auto& [n, v] : kTypes) {
    if (t == n) return v;
  }
  return ShapeType::kUnknown;
}

TimestampFormat ParseTimestampFormat(const std::string& f) {
  if (f == "iso8601") return TimestampFormat::kIso8601;
  if (f == "unixTimestamp") return TimestampFormat::kUnixTimestamp;
  if (f == "rfc822") return TimestampFormat::kRfc822;
  return TimestampFormat::kDefault;
}

Location ParseLocation(const std::string& l) {
  if (l == "header") return Location::kHeader;
  if (l == "headers") return Location::kHeaders;
  if (l == "querystring") return Location::kQueryString;
  if (l == "uri") return Location::kUri;
  if (l == "statusCode") return Location::kStatusCode;
  return Location::kBody;
}

// Splits a requestUri into path segments and static query literals.
void ParseRequestUri(const std::string& uri, std::vector<UriSegment>& segs,
                     std::vector<std::pair<std::string, std::string>>& query) {
  std::string_view path = uri, q;
  if (size_t p = path.find('?'); p != std::string_view::npos) {
    q = path.substr(p + 1);
    path = path.substr(0, p);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view s = path.substr(i, end - i);
    UriSegment seg;
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      s = s.substr(1, s.size() - 2);
      seg.kind = UriSegment::kLabel;
      if (!s.empty() && s.back() == '+') {
        seg.kind = UriSegment::kGreedy;
        s.remove_suffix(1);
      }
    }
    seg.text = std::string(s);
    segs.push_back(std::move(seg));
    i = end;
  }
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    query.emplace_back(std::string(kv.substr(0, eq)), eq == std::string_view::npos
                                                          ? std::string()
                                                          : std::string(kv.substr(eq + 1)));
  }
}

}  // namespace

// Builds a ServiceModel from the parsed compact JSON.
class ModelBuilder {
 public:
  static std::unique_ptr<ServiceModel> Build(const json& doc) {
    if (!doc.is_object()) return nullptr;
    auto meta_it = doc.find("metadata");
    auto ops_it = doc.find("operations");
    auto shapes_it = doc.find("shapes");
    if (meta_it == doc.end() || !meta_it->is_object() || ops_it == doc.end() ||
        !ops_it->is_object() || shapes_it == doc.end() || !shapes_it->is_object()) {
      return nullptr;
    }
    auto model = std::make_unique<ServiceModel>();
    ReadMetadata(*meta_it, model->metadata_);
    // Pass 1: create every shape so references can resolve.
    for (auto it = shapes_it->begin(); it != shapes_it->end(); ++it) {
      auto shape = std::make_unique<Shape>();
      shape->name = it.key();
      model->shapes_.push_back(std::move(shape));
    }
    std::sort(model->shapes_.begin(), model->shapes_.end(),
              [](const auto& a, const auto& b) { return a->name < b->name; });
    // Pass 2: fill them in.
    for (auto it = shapes_it->begin(); it != shapes_it->end(); ++it) {
      if (!it->is_object()) return nullptr;
      Shape* shape = const_cast<Shape*>(model->FindShape(it.key()));
      if (!FillShape(*model, *it, *shape)) return nullptr;
    }
    for (auto it = ops_it->begin(); it != ops_it->end(); ++it) {
      if (!it->is_object()) return nullptr;
      auto op = std::make_unique<OperationModel>();
      if (!FillOperation(*model, it.key(), *it, *op)) return nullptr;
      model->operations_.push_back(std::move(op));
    }
    std::sort(model->operations_.begin(), model->operations_.end(),
              [](const auto& a, const auto& b) { return a->name() < b->name(); });
    IndexRoutes(*model);
    return model;
  }

 private:
  static void IndexRoutes(ServiceModel& model) {
    for (const auto& op : model.operations_) {
      auto it = std::find_if(model.routes_.begin(), model.routes_.end(),
                             [&](const auto& r) { return r.first == op->http_method(); });
      if (it == model.routes_.end()) {
        model.routes_.emplace_back(
            op->http_method(),
            std::vector<std::vector<const OperationModel*>>(ServiceModel::kRouteIndexSegments + 1));
        it = model.routes_.end() - 1;
      }
      const auto& t = op->path_segments();
      bool greedy = std::any_of(t.begin(), t.end(),
                                [](const UriSegment& s) { return s.kind == UriSegment::kGreedy; });
      for (size_t n = 0; n <= ServiceModel::kRouteIndexSegments; ++n) {
        if (greedy ? n >= t.size() : n == t.size()) it->second[n].push_back(op.get());
      }
    }
  }
  static void ReadMetadata(const json& m, ServiceMetadata& md) {
    md.name = Str(m, "modelName");
    md.protocol = Str(m, "protocol");
    md.api_version = Str(m, "apiVersion");
    md.target_prefix = Str(m, "targetPrefix");
    md.endpoint_prefix = Str(m, "endpointPrefix");
    md.signing_name = Str(m, "signingName");
    if (md.signing_name.empty()) md.signing_name = md.endpoint_prefix;
    md.service_id = Str(m, "serviceId");
    md.json_version = Str(m, "jsonVersion");
    md.xml_namespace = Str(m, "xmlNamespace");
    md.query_compatible = Flag(m, "awsQueryCompatible");
    md.botocore_version = Str(m, "botocoreVersion");
  }

  // Resolves a member reference: the target shape's traits, overridden by the reference's.
  static void MergeTraits(const json& src, MemberRef& out) {
    if (src.contains("locationName")) out.location_name = Str(src, "locationName");
    if (src.contains("queryLocationName")) out.query_name = Str(src, "queryLocationName");
    if (src.contains("location")) out.location = ParseLocation(Str(src, "location"));
    if (src.contains("timestampFormat")) {
      out.timestamp_format = ParseTimestampFormat(Str(src, "timestampFormat"));
    }
    if (src.contains("flattened")) out.flattened = Flag(src, "flattened");
    if (src.contains("jsonvalue")) out.jsonvalue = Flag(src, "jsonvalue");
    if (src.contains("streaming")) out.streaming = Flag(src, "streaming");
    if (src.contains("idempotencyToken")) out.idempotency_token = Flag(src, "idempotencyToken");
  }

  // Resolves a member reference: the target shape's traits, overridden by the reference's.
  static bool FillRef(const ServiceModel& model, const json& ref, MemberRef& out) {
    if (!ref.is_object()) return false;
    out.shape = model.FindShape(Str(ref, "shape"));
    if (out.shape == nullptr) return false;
    const MemberRef& own = out.shape->traits;
    out.location_name = own.location_name;
    out.query_name = own.query_name;
    out.location = own.location;
    out.timestamp_format = own.timestamp_format;
    out.flattened = own.flattened;
    out.jsonvalue = own.jsonvalue;
    out.streaming = own.streaming;
    MergeTraits(ref, out);
    return true;
  }

  static bool FillShape(const ServiceModel&, const json& s, Shape& shape) {
    shape.type = ParseType(Str(s, "type"));
    MergeTraits(s, shape.traits);
    shape.payload = Str(s, "payload");
    shape.document = Flag(s, "document");
    shape.is_union = Flag(s, "union");
    shape.streaming = Flag(s, "streaming");
    shape.eventstream = Flag(s, "eventstream");
    shape.exception = Flag(s, "exception");
    shape.fault = Flag(s, "fault");
    shape.error_code = shape.name;
    shape.sender_fault = !shape.fault;
    shape.error_status = shape.fault ? 500 : 400;
    if (auto e = s.find("error"); e != s.end() && e->is_object()) {
      if (std::string code = Str(*e, "code"); !code.empty()) shape.error_code = code;
      if (auto st = e->find("httpStatusCode"); st != e->end() && st->is_number_integer()) {
        shape.error_status = st->get<int>();
      }
      if (e->contains("senderFault")) shape.sender_fault = Flag(*e, "senderFault");
    }
    return true;
  }

 public:
  // Second stage for references (needs the whole shapes document).
  static bool FillRefs(ServiceModel& model, const json& shapes_doc) {
    for (auto it = shapes_doc.begin(); it != shapes_doc.end(); ++it) {
      Shape& shape = *const_cast<Shape*>(model.FindShape(it.key()));
      const json& s = *it;
      if (auto m = s.find("members"); m != s.end() && m->is_object()) {
        std::vector<std::string> required;
        if (auto r = s.find("required"); r != s.end() && r->is_array()) {
          for (const auto& n : *r) {
            if (n.is_string()) required.push_back(n.get<std::string>());
          }
        }
        for (auto mit = m->begin(); mit != m->end(); ++mit) {
          MemberRef ref;
          ref.name = mit.key();
          if (!FillRef(model, *mit, ref)) return false;
          ref.required = std::find(required.begin(), required.end(), ref.name) != required.end();
          shape.members.push_back(std::move(ref));
        }
      }
      for (auto [key, dst] : {std::pair{"member", &shape.member}, std::pair{"key", &shape.key},
                              std::pair{"value", &shape.value}}) {
        if (auto r = s.find(key); r != s.end() && !FillRef(model, *r, *dst)) {
          return false;
        }
      }
    }
    return true;
  }

 private:
  static bool FillOperation(const ServiceModel& model, const std::string& name, const json& o,
                            OperationModel& op) {
    op.name_ = name;
    if (auto h = o.find("http"); h != o.end() && h->is_object()) {
      if (std::string m = Str(*h, "method"); !m.empty()) op.http_method_ = m;
      if (std::string u = Str(*h, "requestUri"); !u.empty()) op.request_uri_ = u;
      if (auto rc = h->find("responseCode"); rc != h->end() && rc->is_number_integer()) {
        op.response_code_ = rc->get<int>();
      }
    }
    ParseRequestUri(op.request_uri_, op.path_segments_, op.uri_query_);
    if (auto in = o.find("input"); in != o.end() && in->is_object()) {
      op.input_ = model.FindShape(Str(*in, "shape"));
    }
    if (auto out = o.find("output"); out != o.end() && out->is_object()) {
      op.output_ = model.FindShape(Str(*out, "shape"));
      op.result_wrapper_ = Str(*out, "resultWrapper");
    }
    if (auto errs = o.find("errors"); errs != o.end() && errs->is_array()) {
      for (const auto& e : *errs) {
        if (!e.is_string()) continue;
        if (const Shape* s = model.FindShape(e.get<std::string>())) op.errors_.push_back(s);
      }
    }
    return true;
  }

  friend std::unique_ptr<ServiceModel> ParseImpl(std::string_view);
};

std::unique_ptr<ServiceModel> ParseImpl(std::string_view compact_json) {
  json doc = json::parse(compact_json.begin(), compact_json.end(), nullptr, false);
  if (doc.is_discarded()) return nullptr;
  auto model = ModelBuilder::Build(doc);
  if (model == nullptr || !ModelBuilder::FillRefs(*model, doc["shapes"])) return nullptr;
  return model;
}

}  // namespace nimbus
