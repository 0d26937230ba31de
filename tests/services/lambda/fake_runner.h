// Fakes for unit tests of the data plane's parts: a FunctionRegistry holding function URLs and
// resolving any name to a snapshot, and an InvocationRunner that answers each invocation with a
// scripted outcome (or refuses it) instead of running a sandbox.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "services/lambda/function_registry.h"
#include "services/lambda/invoke/invocation_runner.h"

namespace nimbus::lambda::testing {

class FakeRegistry : public FunctionRegistry {
 public:
  Result<ResolvedInvoke, AwsError> ResolveInvoke(const std::string& account,
                                                 const std::string& region, const std::string& name,
                                                 const std::string& qualifier) override {
    if (missing.count(name)) {
      return AwsError("ResourceNotFoundException", "Function not found: " + name, 404);
    }
    auto fn = std::make_shared<FunctionSnapshot>(snapshot);
    fn->account_id = account;
    fn->region = region;
    fn->function_name = name;
    fn->function_arn = "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
    ResolvedInvoke r;
    r.function = fn;
    r.executed_version = qualifier.empty() ? "$LATEST" : qualifier;
    r.invoked_arn = fn->function_arn;
    ++resolves;
    return r;
  }
  void AddChangeListener(ChangeListener) override {}
  std::optional<FunctionUrlTarget> ResolveFunctionUrl(const std::string& url_id) override {
    auto it = urls.find(url_id);
    if (it == urls.end()) return std::nullopt;
    return it->second;
  }
  void ReportImageDeleted(const FunctionSnapshot&) override {}

  FunctionSnapshot snapshot;                      // what every resolved function looks like
  std::set<std::string> missing;                  // names that resolve to ResourceNotFoundException
  std::map<std::string, FunctionUrlTarget> urls;  // by url id
  int resolves = 0;
};

// Each Run records the invocation and applies `script` to it (default: a "null" result), then
// marks it finished; with `refuse` set, Run returns that error instead.
class FakeRunner : public InvocationRunner {
 public:
  boost::asio::awaitable<Result<bool, AwsError>> Run(std::shared_ptr<Invocation> inv) override {
    runs.push_back(inv);
    if (refuse) co_return *refuse;
    inv->result = "null";
    if (script) script(*inv);
    inv->finished = true;
    co_return true;
  }

  std::vector<std::shared_ptr<Invocation>> runs;
  std::function<void(Invocation&)> script;
  std::optional<AwsError> refuse;
};

}  // namespace nimbus::lambda::testing
