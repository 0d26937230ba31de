#include "protocol/provider.h"

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

}  // namespace nimbus
