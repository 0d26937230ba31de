#include "server/sigv4_authenticator.h"

#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "auth/sigv4_parse.h"

namespace nimbus {
namespace {

class SigV4Authenticator : public RequestAuthenticator {
 public:
  explicit SigV4Authenticator(auth::Authenticator impl) : impl_(std::move(impl)) {}

  AuthOutcome Authenticate(const HttpRequest& request) const override {
    AuthOutcome out;
    auto ctx = impl_.Authenticate(request);
    if (ctx.ok()) {
      out.scope_service = std::move(ctx->service);
      out.identity.account_id = std::move(ctx->account_id);
      out.identity.access_key_id = std::move(ctx->access_key_id);
      out.identity.region = std::move(ctx->region);
      return out;
    }
    out.ok = false;
    out.failure = static_cast<int>(ctx.error().kind);
    out.detail = ctx.error().message;
    // The gateway still needs the service a rejected request was meant for, to answer in its
    // protocol; the failure path can afford a second parse.
    auto parsed = auth::ParseSigV4(request);
    if (parsed.ok()) out.scope_service = parsed->service;
    return out;
  }

  AwsError ErrorFor(const AuthOutcome& outcome, std::string_view protocol) const override {
    auth::AuthFailure failure;
    failure.kind = static_cast<auth::AuthFailureKind>(outcome.failure);
    failure.message = outcome.detail;
    return auth::AuthErrorFor(failure, protocol);
  }

 private:
  auth::Authenticator impl_;
};

}  // namespace

Result<std::unique_ptr<RequestAuthenticator>> MakeSigV4Authenticator(
    const std::string& credentials_file, const Clock& clock) {
  if (credentials_file.empty()) {
    return std::unique_ptr<RequestAuthenticator>(
        std::make_unique<SigV4Authenticator>(auth::Authenticator::Open(clock)));
  }
  auto table = auth::LoadCredentialsFile(credentials_file);
  if (!table.ok()) return table.error();
  return std::unique_ptr<RequestAuthenticator>(std::make_unique<SigV4Authenticator>(
      auth::Authenticator::Strict(std::move(*table), clock)));
}

}  // namespace nimbus
