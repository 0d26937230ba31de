#include "protocol/provider.h"

#include <algorithm>

namespace nimbus {

void OperationTable::Add(std::string operation, SyncHandler handler) {
  entries_[std::move(operation)] = Entry{std::move(handler), nullptr};
}

void OperationTable::AddAsync(std::string operation, AsyncHandler handler) {
  entries_[std::move(operation)] = Entry{nullptr, std::move(handler)};
}

const OperationTable::Entry* OperationTable::Find(std::string_view operation) const {
  auto it = entries_.find(std::string(operation));
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> OperationTable::Names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace nimbus
