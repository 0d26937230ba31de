#include <memory>
#include <regex>
#include <string>

#include "auth/credential_issuer.h"
#include "core/clock.h"
#include "services/kit/arn.h"
#include "services/kit/input.h"
#include "services/kit/operations.h"
#include "services/kit/violations.h"
#include "services/sts/sts_service.h"

namespace nimbus {
namespace {

struct Sts {
  auth::CredentialIssuer* issuer = nullptr;  // the server's, or own_issuer's
  std::unique_ptr<auth::CredentialIssuer> own_issuer;  // in harnesses without a server
  bool strict = false;
};

// DurationSeconds within [min, max] (AWS's constraint message), `def` when absent.
Result<std::chrono::seconds, AwsError> Duration(const Value& input, int64_t min, int64_t max,
                                                int64_t def) {
  const int64_t d = Int(input, "DurationSeconds", def);
  Violations v;
  v.Range(d, min, max, "durationSeconds");
  if (!v.empty()) return v.Error("ValidationError");
  return std::chrono::seconds(d);
}

Value CredentialsOf(const auth::IssuedCredential& issued) {
  return {{"AccessKeyId", issued.credential.access_key_id},
          {"SecretAccessKey", issued.credential.secret_access_key},
          {"SessionToken", issued.credential.session_token},
          {"Expiration", FormatIso8601(issued.expiration)}};
}

std::string RootArn(const std::string& account) {
  return MakeArn("iam", Scope{account, ""}, "root");
}

OpResult GetCallerIdentity(Sts& sts, const CallContext& call, const Value&) {
  // nimbus has no IAM users: a key of its own acts as its account's root identity (as on
  // LocalStack, and as a root access key on AWS); credentials nimbus issued as their principal.
  if (auto issued = sts.issuer->Lookup(call.access_key_id);
      issued && !issued->principal.arn.empty()) {
    return Value{{"UserId", issued->principal.user_id},
                 {"Account", issued->credential.account_id},
                 {"Arn", issued->principal.arn}};
  }
  return Value{
      {"UserId", call.account_id}, {"Account", call.account_id}, {"Arn", RootArn(call.account_id)}};
}

OpResult AssumeRole(Sts& sts, const CallContext& call, const Value& input) {
  auto role_arn = RequiredStr(input, "RoleArn", "ValidationError");
  if (!role_arn.ok()) return role_arn.error();
  auto session = RequiredStr(input, "RoleSessionName", "ValidationError");
  if (!session.ok()) return session.error();
  static const std::regex kSessionName(R"([\w+=,.@-]*)");
  Violations v;  // the first broken constraint is answered, in this order
  v.MinLength(*session, 2, "roleSessionName");
  if (v.empty()) v.MaxLength(*session, 64, "roleSessionName");
  if (v.empty() && !std::regex_match(*session, kSessionName)) {
    v.Add(*session, "roleSessionName",
          "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  }
  if (v.empty()) v.MinLength(*role_arn, 20, "roleArn");
  if (!v.empty()) return v.Error("ValidationError");
  auto principal = auth::AssumedRolePrincipal(*role_arn, *session);
  if (!principal) return AwsError("ValidationError", *role_arn + " is invalid");
  auto lifetime = Duration(input, 900, 43200, 3600);
  if (!lifetime.ok()) return lifetime.error();
  const std::string account = role_arn->substr(13, 12);
  if (sts.strict && account != call.account_id) {
    return AwsError("AccessDenied",
                    "User: " + RootArn(call.account_id) +
                        " is not authorized to perform: sts:AssumeRole on resource: " + *role_arn,
                    403);
  }
  auth::IssuedCredential issued = sts.issuer->Issue(account, *lifetime, *principal);
  return Value{{"Credentials", CredentialsOf(issued)},
               {"AssumedRoleUser",
                {{"AssumedRoleId", issued.principal.user_id}, {"Arn", issued.principal.arn}}}};
}

OpResult GetSessionToken(Sts& sts, const CallContext& call, const Value& input) {
  if (sts.issuer->Lookup(call.access_key_id)) {
    return AwsError("AccessDenied", "Cannot call GetSessionToken with session credentials", 403);
  }
  auto lifetime = Duration(input, 900, 129600, 43200);
  if (!lifetime.ok()) return lifetime.error();
  return Value{{"Credentials", CredentialsOf(sts.issuer->Issue(call.account_id, *lifetime))}};
}

constexpr Operation<Sts> kOperations[] = {
    {"GetCallerIdentity", GetCallerIdentity},
    {"AssumeRole", AssumeRole},
    {"GetSessionToken", GetSessionToken},
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  auto sts = std::make_shared<Sts>();
  sts->strict = ctx.strict_auth;
  sts->issuer = ctx.credentials;
  if (sts->issuer == nullptr) {
    sts->own_issuer = std::make_unique<auth::CredentialIssuer>(*ctx.clock);
    sts->issuer = sts->own_issuer.get();
  }
  return MakeProvider("sts", std::move(sts), kOperations);
}

}  // namespace

ServiceFactory StsService() { return {"sts", {}, Create}; }

}  // namespace nimbus
