// How every provider registers its operations: one function per operation, named in one table
// of {model operation name, function} that AddOperations puts in the OperationTable. A function
// takes the service's state, the call and the decoded input; operations that wait (Invoke, long
// polls) are coroutines and take the input by value. ServiceEndpoint::Create checks every name
// against the model at start-up.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/provider.h"  // (and boost awaitable.hpp, after <utility>)

namespace nimbus {

template <class State>
struct Operation {
  std::string_view name;  // as in the model, e.g. "CreateLogGroup"
  OpResult (*sync)(State&, const CallContext&, const Value&) = nullptr;  // exactly one is set
  boost::asio::awaitable<OpResult> (*async)(State&, const CallContext&, Value) = nullptr;
};

// Registers `ops` over `state`, which must outlive `table`'s use (the provider owns both).
template <class State, size_t N>
void AddOperations(OperationTable& table, State& state, const Operation<State> (&ops)[N]) {
  for (const Operation<State>& op : ops) {
    if (op.sync != nullptr) {
      table.Add(std::string(op.name),
                [s = &state, fn = op.sync](const CallContext& call, const Value& in) {
                  return fn(*s, call, in);
                });
    } else {
      table.AddAsync(std::string(op.name),
                     [s = &state, fn = op.async](const CallContext& call, Value in) {
                       return fn(*s, call, std::move(in));
                     });
    }
  }
}

// A provider that is only operations over one state object (no raw routes, no background
// work): MakeProvider("logs", store, kOperations). `ops` must be static (a namespace-scope
// table).
template <class State, size_t N>
std::unique_ptr<Provider> MakeProvider(std::string_view name, std::shared_ptr<State> state,
                                       const Operation<State> (&ops)[N]) {
  class TableProvider : public Provider {
   public:
    TableProvider(std::string_view name, std::shared_ptr<State> state,
                  const Operation<State> (&ops)[N])
        : name_(name), state_(std::move(state)), ops_(ops) {}
    std::string_view service_name() const override { return name_; }
    void RegisterOperations(OperationTable& table) override { AddOperations(table, *state_, ops_); }

   private:
    std::string_view name_;
    std::shared_ptr<State> state_;
    const Operation<State> (&ops_)[N];
  };
  return std::make_unique<TableProvider>(name, std::move(state), ops);
}

namespace operations_internal {
template <class M>
struct ClassOf;
template <class S>
struct ClassOf<OpResult (S::*)(const CallContext&, const Value&)> {
  using type = S;
};
template <class S>
struct ClassOf<boost::asio::awaitable<OpResult> (S::*)(const CallContext&, Value)> {
  using type = S;
};
}  // namespace operations_internal

// An operation that is a member function of the service's state:
// {"CreateFunction", Member<&LambdaControl::CreateFunction>}.
template <auto Method>
OpResult Member(typename operations_internal::ClassOf<decltype(Method)>::type& state,
                const CallContext& call, const Value& in) {
  return (state.*Method)(call, in);
}

// The same for a waiting member: {"Invoke", nullptr, AsyncMember<&DataPlaneImpl::Invoke>}.
template <auto Method>
boost::asio::awaitable<OpResult> AsyncMember(
    typename operations_internal::ClassOf<decltype(Method)>::type& state, const CallContext& call,
    Value in) {
  return (state.*Method)(call, std::move(in));
}

}  // namespace nimbus
