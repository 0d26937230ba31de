// ServiceModel lookups and the lazily parsed registry of embedded models.
#include <algorithm>
#include <mutex>

#include "protocol/embedded_models.h"
#include "protocol/model.h"

namespace nimbus {

std::unique_ptr<ServiceModel> ParseImpl(std::string_view compact_json);

const MemberRef* Shape::FindMember(std::string_view member_name) const {
  for (const MemberRef& m : members) {
    if (m.name == member_name) return &m;
  }
  return nullptr;
}

const MemberRef* Shape::PayloadMember() const {
  return payload.empty() ? nullptr : FindMember(payload);
}

bool OperationModel::HasError(std::string_view code) const {
  for (const Shape* s : errors_) {
    if (s->name == code) return true;
  }
  return false;
}

ServiceModel::ServiceModel() = default;
ServiceModel::~ServiceModel() = default;

const OperationModel* ServiceModel::FindOperation(std::string_view name) const {
  auto it = std::lower_bound(operations_.begin(), operations_.end(), name,
                             [](const auto& op, std::string_view n) { return op->name() < n; });
  return it != operations_.end() && (*it)->name() == name ? it->get() : nullptr;
}

std::vector<std::string> ServiceModel::OperationNames() const {
  std::vector<std::string> names;
  names.reserve(operations_.size());
  for (const auto& op : operations_) names.push_back(op->name());
  return names;
}

const Shape* ServiceModel::FindErrorShape(std::string_view code) const {
  for (const auto& shape : shapes_) {
    if (shape->exception && shape->error_code == code) return shape.get();
  }
  return nullptr;
}

const Shape* ServiceModel::FindShape(std::string_view name) const {
  auto it = std::lower_bound(shapes_.begin(), shapes_.end(), name,
                             [](const auto& s, std::string_view n) { return s->name < n; });
  return it != shapes_.end() && (*it)->name == name ? it->get() : nullptr;
}

const std::vector<const OperationModel*>* ServiceModel::RouteCandidates(std::string_view method,
                                                                        size_t segments) const {
  static const std::vector<const OperationModel*> kNone;
  if (segments > kRouteIndexSegments) return nullptr;
  for (const auto& [m, by_length] : routes_) {
    if (m == method) return &by_length[segments];
  }
  return &kNone;
}

std::unique_ptr<ServiceModel> ServiceModel::Parse(std::string_view compact_json) {
  return ParseImpl(compact_json);
}

namespace {

struct Slot {
  std::once_flag once;
  std::unique_ptr<ServiceModel> model;
};

Slot* Slots() {
  static Slot* slots = new Slot[protocol_internal::EmbeddedModels().size()];
  return slots;
}

}  // namespace

const ServiceModel* FindServiceModel(std::string_view name) {
  auto models = protocol_internal::EmbeddedModels();
  for (size_t i = 0; i < models.size(); ++i) {
    if (name != models[i].name) continue;
    Slot& slot = Slots()[i];
    std::call_once(slot.once, [&] {
      slot.model = ServiceModel::Parse(std::string_view(models[i].data, models[i].size));
    });
    return slot.model.get();
  }
  return nullptr;
}

const ServiceRouting* FindServiceRouting(std::string_view name) {
  for (const auto& m : protocol_internal::EmbeddedModels()) {
    if (name == m.name) return &m.routing;
  }
  return nullptr;
}

std::vector<std::string> EmbeddedServiceNames() {
  std::vector<std::string> names;
  for (const auto& m : protocol_internal::EmbeddedModels()) names.emplace_back(m.name);
  return names;
}

std::string_view EmbeddedBotocoreVersion() { return protocol_internal::kBotocoreVersion; }

}  // namespace nimbus
