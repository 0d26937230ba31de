#include "server/sigv4_authenticator.h"

#include <functional>

#include "auth/authenticator.h"
#include "auth/credentials.h"
#include "auth/sigv4_parse.h"

namespace nimbus {
namespace {

// The credential-scope service of a signed request; "" when it carries no parsable scope.
std::string ScopeServiceOf(const HttpRequest& request) {
  std::string_view authorization = request.headers.Get("Authorization");
  if (!authorization.empty()) {
    if (!auth::IsSigV4Authorization(authorization)) return {};
    auto parsed = auth::ParseAuthorizationHeader(authorization);
    return parsed.ok() ? std::string(parsed->scope.service) : std::string();
  }
  if (!auth::HasPresignedQuery(request.query)) return {};
  auto parsed = auth::ParseSigV4(request);
  return parsed.ok() ? std::move(parsed->service) : std::string();
}

class SigV4Authenticator : public RequestAuthenticator {
 public:
  explicit SigV4Authenticator(auth::Authenticator impl) : impl_(std::move(impl)) {}

  bool strict() const override { return impl_.strict(); }

  AuthOutcome Authenticate(const HttpRequest& request, bool body_unread,
                           const EndpointFor& endpoint_for) const override {
    AuthOutcome out;
    if (!impl_.strict()) {  // one parse: the scope routes, nothing is verified
      auto ctx = impl_.Authenticate(request);
      if (ctx.ok()) {
        endpoint_for(ctx->service);
        Fill(out, std::move(*ctx));
      } else {
        Fail(out, ctx.error());
        out.scope_service = ScopeServiceOf(request);
        endpoint_for(out.scope_service);
      }
      return out;
    }
    // One parse: the scope routes the request as it is read, then is checked against the
    // endpoint routed to. (Held by reference: the std::function allocates nothing.)
    struct Route {
      AuthOutcome* out;
      const EndpointFor* endpoint_for;
      bool routed = false;
      auth::EndpointScope operator()(std::string_view service) {
        routed = true;
        out->scope_service = service;
        AuthEndpoint e = (*endpoint_for)(service);
        return {e.service, e.region, e.unsigned_payload};
      }
    } route{&out, &endpoint_for};
    auto verdict = impl_.AuthenticateHead(
        request, auth::Authenticator::EndpointOf(std::ref(route)), body_unread);
    const bool routed = route.routed;
    if (!routed) {  // the SigV4 data did not parse (or is absent)
      out.scope_service = ScopeServiceOf(request);
      endpoint_for(out.scope_service);
    }
    if (!verdict.ok()) {
      Fail(out, verdict.error());
      return out;
    }
    out.body_pending = verdict->body_pending;
    Fill(out, std::move(verdict->context));
    return out;
  }

  AuthOutcome VerifyBody(const HttpRequest& request, AuthOutcome head,
                         std::string_view body_sha256) const override {
    head.body_pending = false;
    if (std::optional<auth::AuthFailure> f = impl_.VerifyBody(request, body_sha256)) {
      Fail(head, *f);
    }
    return head;
  }

  AwsError ErrorFor(const AuthOutcome& outcome, std::string_view protocol) const override {
    auth::AuthFailure failure;
    failure.kind = static_cast<auth::AuthFailureKind>(outcome.failure);
    failure.message = outcome.detail;
    return auth::AuthErrorFor(failure, protocol);
  }

 private:
  static void Fill(AuthOutcome& out, auth::AuthContext ctx) {
    out.scope_service = std::move(ctx.service);
    out.identity.account_id = std::move(ctx.account_id);
    out.identity.access_key_id = std::move(ctx.access_key_id);
    out.identity.region = std::move(ctx.region);
  }
  static void Fail(AuthOutcome& out, const auth::AuthFailure& failure) {
    out.ok = false;
    out.failure = static_cast<int>(failure.kind);
    out.detail = failure.message;
  }

  auth::Authenticator impl_;
};

}  // namespace

Result<std::unique_ptr<RequestAuthenticator>> MakeSigV4Authenticator(
    const std::string& credentials_file, const Clock& clock,
    const auth::CredentialIssuer* issued) {
  if (credentials_file.empty()) {
    return std::unique_ptr<RequestAuthenticator>(
        std::make_unique<SigV4Authenticator>(auth::Authenticator::Open(clock)));
  }
  auto table = auth::LoadCredentialsFile(credentials_file);
  if (!table.ok()) return table.error();
  auth::CredentialResolver resolver;
  if (issued != nullptr) {
    resolver = [issued](std::string_view key) { return issued->Find(key); };
  }
  return std::unique_ptr<RequestAuthenticator>(
      std::make_unique<SigV4Authenticator>(auth::Authenticator::Strict(std::move(*table), clock,
                                                                       std::move(resolver))));
}

}  // namespace nimbus
