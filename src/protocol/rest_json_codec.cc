// rest-json request decoding: routing by method + requestUri, members from every location.
#include "protocol/rest_json_codec.h"

#include "protocol/json_shape.h"
#include "protocol/protocol_errors.h"
#include "protocol/wire.h"

namespace nimbus {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segs;
  segs.reserve(8);  // one allocation for the paths AWS APIs use
  size_t i = 0;
  while (i < path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    if (end > i) segs.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return segs;
}

bool HasQueryParam(const Pairs& q, const std::string& key, const std::string& value) {
  for (const auto& [k, v] : q) {
    if (k == key && (value.empty() || v == value)) return true;
  }
  return false;
}

// Matches one operation; returns its specificity score or -1.
int MatchOne(const OperationModel& op, const std::vector<std::string_view>& segs, const Pairs& q,
             Pairs* labels) {
  const auto& tsegs = op.path_segments();
  size_t i = 0, n = segs.size();
  int score = 1;
  for (size_t k = 0; k < tsegs.size(); ++k) {
    const UriSegment& t = tsegs[k];
    if (t.kind == UriSegment::kGreedy) {
      size_t rest = tsegs.size() - k - 1;
      if (n < i + 1 + rest) return -1;
      size_t stop = n - rest;
      std::string joined;
      for (size_t j = i; j < stop; ++j) {
        if (j > i) joined += '/';
        joined += PercentDecode(segs[j]);
      }
      if (labels) labels->emplace_back(t.text, std::move(joined));
      i = stop;
      score -= 1;
      continue;
    }
    if (i >= n) return -1;
    if (t.kind == UriSegment::kLiteral) {
      if (segs[i] != t.text &&
          (segs[i].find('%') == std::string_view::npos || PercentDecode(segs[i]) != t.text)) {
        return -1;
      }
      score += 4;
    } else if (labels) {
      labels->emplace_back(t.text, PercentDecode(segs[i]));
    }
    ++i;
  }
  if (i != n) return -1;
  for (const auto& [k, v] : op.uri_query()) {
    if (!HasQueryParam(q, k, v)) return -1;
    score += 2;
  }
  return score;
}

std::vector<std::string> SplitHeaderList(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::string item;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        item += s[i++];
      }
      i = s.find(',', i);
    } else {
      size_t end = s.find(',', i);
      item = std::string(s.substr(i, end == std::string_view::npos ? end : end - i));
      while (!item.empty() && item.back() == ' ') item.pop_back();
      i = end;
    }
    out.push_back(std::move(item));
    if (i == std::string_view::npos) break;
    ++i;
  }
  return out;
}

bool HeaderValue(const MemberRef& m, std::string_view text, Value& out) {
  if (m.jsonvalue && m.shape->type == ShapeType::kString) {
    auto decoded = wire::Base64Decode(text);
    std::string err;
    return decoded && json_shape::ParseBody(*decoded, out, err);
  }
  if (m.shape->type == ShapeType::kList) {
    out = Value::array();
    for (const std::string& item : SplitHeaderList(text)) {
      Value v;
      if (!json_shape::ScalarFromText(m.shape->member, item, v)) return false;
      out.push_back(std::move(v));
    }
    return true;
  }
  return json_shape::ScalarFromText(m, text, out);
}

bool QueryValue(const MemberRef& m, const Pairs& q, const Pairs& literals,
                const std::vector<const MemberRef*>& qmembers, Value& out) {
  const Shape& s = *m.shape;
  if (s.type == ShapeType::kMap) {
    out = Value::object();
    for (const auto& [k, v] : q) {
      bool claimed = HasQueryParam(literals, k, "");
      for (const MemberRef* o : qmembers) claimed = claimed || o->wire_name() == k;
      if (claimed) continue;
      if (s.value.shape->type == ShapeType::kList) {
        out[k].push_back(v);
      } else if (!out.contains(k)) {
        out[k] = v;
      }
    }
    return true;
  }
  bool found = false;
  for (const auto& [k, v] : q) {
    if (k != m.wire_name()) continue;
    Value item;
    if (!json_shape::ScalarFromText(s.type == ShapeType::kList ? s.member : m, v, item)) {
      return false;
    }
    if (s.type != ShapeType::kList) {
      out = std::move(item);
      return true;
    }
    found = true;
    out.push_back(std::move(item));
  }
  return found || out.is_null();
}

}  // namespace

const OperationModel* RestJsonCodec::Match(const ServiceModel& model, std::string_view method,
                                           std::string_view path, std::string_view query,
                                           Pairs* labels) {
  std::vector<std::string_view> segs = SplitPath(path);
  Pairs q = ParseQueryString(query);
  const OperationModel* best = nullptr;
  int best_score = -1;
  auto consider = [&](const OperationModel& op) {
    int score = MatchOne(op, segs, q, nullptr);
    if (score > best_score) {
      best = &op;
      best_score = score;
    }
  };
  if (const auto* candidates = model.RouteCandidates(method, segs.size())) {
    for (const OperationModel* op : *candidates) consider(*op);
  } else {
    for (const auto& op : model.operations()) {
      if (op->http_method() == method) consider(*op);
    }
  }
  if (best != nullptr && labels != nullptr) MatchOne(*best, segs, q, labels);
  return best;
}

Result<DecodedCall, AwsError> RestJsonCodec::Decode(const ServiceModel& model,
                                                    const HttpRequest& request) const {
  std::string_view path = request.path, query = request.query;
  if (path.empty()) {
    path = std::string_view(request.target).substr(0, request.target.find('?'));
    size_t qpos = request.target.find('?');
    if (qpos != std::string::npos) query = std::string_view(request.target).substr(qpos + 1);
  }
  Pairs labels;
  const OperationModel* op = Match(model, request.method, path, query, &labels);
  if (op == nullptr) {
    AwsError e("UnknownOperationException",
               "Unknown operation " + request.method + " " + std::string(path), 404);
    return e;
  }
  DecodedCall call;
  call.operation = op;
  call.input = Value::object();
  const Shape* in = op->input();
  if (in == nullptr) return call;
  Pairs q = ParseQueryString(query);
  std::vector<const MemberRef*> qmembers;
  for (const MemberRef& m : in->members) {
    if (m.location == Location::kQueryString && m.shape->type != ShapeType::kMap) {
      qmembers.push_back(&m);
    }
  }
  for (const MemberRef& m : in->members) {
    Value v;
    bool ok = true, present = false;
    switch (m.location) {
      case Location::kUri:
        for (const auto& [name, text] : labels) {
          if (name != m.wire_name()) continue;
          present = true;
          ok = json_shape::ScalarFromText(m, text, v);
        }
        break;
      case Location::kQueryString:
        ok = QueryValue(m, q, op->uri_query(), qmembers, v);
        present = !v.is_null() && !(v.is_object() && v.empty());
        break;
      case Location::kHeader:
        if (request.headers.Has(m.wire_name())) {
          present = true;
          ok = HeaderValue(m, request.headers.Get(m.wire_name()), v);
        }
        break;
      case Location::kHeaders: {
        const std::string& prefix = m.wire_name();
        v = Value::object();
        for (const auto& [name, value] : request.headers.entries()) {
          if (name.size() >= prefix.size() &&
              EqualsIgnoreCase(std::string_view(name).substr(0, prefix.size()), prefix)) {
            v[name.substr(prefix.size())] = value;
          }
        }
        present = !v.empty();
        break;
      }
      default:
        break;
    }
    if (!ok) {
      return AwsError("SerializationException",
                      "Invalid value for " + m.name + " (" + m.wire_name() + ")");
    }
    if (present) call.input[m.name] = std::move(v);
  }
  // Body: a raw payload member, a JSON payload member or the body members.
  const MemberRef* payload = in->PayloadMember();
  std::string error;
  if (payload != nullptr &&
      (payload->shape->type == ShapeType::kBlob || payload->shape->type == ShapeType::kString)) {
    if (!request.body.empty()) {
      if (payload->shape->type == ShapeType::kBlob) {
        call.input[payload->name] = BlobValue(request.body);
      } else {
        call.input[payload->name] = request.body;
      }
    }
  } else if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    Value parsed, converted;
    if (!json_shape::ParseBody(request.body, parsed, error)) {
      return protocol_errors::BadContent(model, op, error);
    }
    bool ok = payload != nullptr
                  ? json_shape::FromJson(*payload, std::move(parsed), converted, error)
                  : json_shape::FromJson(json_shape::RefTo(*in), std::move(parsed), converted,
                                         error, /*body_only=*/true);
    if (!ok) return protocol_errors::BadContent(model, op, error);
    if (payload != nullptr) {
      call.input[payload->name] = std::move(converted);
    } else {
      for (auto it = converted.begin(); it != converted.end(); ++it) {
        call.input[it.key()] = std::move(*it);
      }
    }
  }
  std::string missing;
  if (!protocol_errors::CheckRequired(*in, call.input, missing)) {
    return protocol_errors::MissingRequired(model, *op, missing);
  }
  return call;
}

}  // namespace nimbus
