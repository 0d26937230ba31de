#include "services/kit/arn.h"
#include "services/kit/operations.h"
#include "services/sts/sts_service.h"

namespace nimbus {
namespace {

struct Sts {};  // no state

OpResult GetCallerIdentity(Sts&, const CallContext& call, const Value&) {
  // nimbus has no IAM users: every key acts as its account's root identity, as LocalStack and
  // a root access key on AWS do.
  return Value{{"UserId", call.account_id},
               {"Account", call.account_id},
               {"Arn", MakeArn("iam", Scope{call.account_id, ""}, "root")}};
}

constexpr Operation<Sts> kOperations[] = {
    {"GetCallerIdentity", GetCallerIdentity},
};

Result<std::unique_ptr<Provider>> Create(ServiceContext&) {
  return MakeProvider("sts", std::make_shared<Sts>(), kOperations);
}

}  // namespace

ServiceFactory StsService() { return {"sts", {}, Create}; }

}  // namespace nimbus
