#include "services/sts/sts_provider.h"

namespace nimbus {
namespace {

class StsProvider : public Provider {
 public:
  std::string_view service_name() const override { return "sts"; }

  void RegisterOperations(OperationTable& table) override {
    table.Add("GetCallerIdentity", [](const CallContext& call, const Value&) -> OpResult {
      // nimbus has no IAM users: every key acts as its account's root identity, as LocalStack
      // and a root access key on AWS do.
      return Value{{"UserId", call.account_id},
                   {"Account", call.account_id},
                   {"Arn", "arn:aws:iam::" + call.account_id + ":root"}};
    });
  }
};

}  // namespace

std::unique_ptr<Provider> MakeStsProvider() { return std::make_unique<StsProvider>(); }

}  // namespace nimbus
