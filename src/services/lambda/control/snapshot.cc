// FunctionSnapshot building and Code.Location download URLs.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include "services/kit/input.h"
#include "services/lambda/control/control_plane.h"

namespace nimbus::lambda {
namespace {

constexpr int64_t kUrlLifetimeSeconds = 600;

}  // namespace

EventInvokeConfig EventConfigFromValue(const Value& c) {
  EventInvokeConfig e;
  e.maximum_retry_attempts = static_cast<int>(Int(c, "MaximumRetryAttempts", 2));
  e.maximum_event_age_seconds = static_cast<int>(Int(c, "MaximumEventAgeInSeconds", 21600));
  if (const Value* d = Member(c, "DestinationConfig")) {
    if (const Value* s = Member(*d, "OnSuccess")) e.on_success_destination = Str(*s, "Destination");
    if (const Value* f = Member(*d, "OnFailure")) e.on_failure_destination = Str(*f, "Destination");
  }
  return e;
}

namespace {

std::string Sign(const std::string& secret, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kDigits[md[i] >> 4];
    out += kDigits[md[i] & 15];
  }
  return out;
}

HttpResponse Denied(int status, const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.headers.Add("Content-Type", "application/xml");
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
           message + "</Message></Error>";
  return r;
}

}  // namespace

std::shared_ptr<const FunctionSnapshot> LambdaControl::BuildSnapshot(const FunctionState& f,
                                                                     const VersionState& v) const {
  auto s = std::make_shared<FunctionSnapshot>();
  const Value& c = v.config;
  s->account_id = f.account;
  s->region = f.region;
  s->function_name = f.name;
  s->function_arn = FunctionArn(f.region, f.account, f.name);
  s->version = Str(c, "Version", std::string(kLatest));
  s->runtime = Str(c, "Runtime");
  s->handler = Str(c, "Handler");
  s->package_type = Str(c, "PackageType", "Zip");
  s->code_sha256 = Str(c, "CodeSha256");
  s->code_dir = code_.DirFor(v.code_hex);
  for (const LayerUse& l : v.layers) s->layer_dirs.push_back(code_.DirFor(l.hex));
  if (s->package_type == "Image") {
    s->code_dir.clear();
    s->image_uri = v.pinned_image_uri;
    const Value* response = Member(c, "ImageConfigResponse");
    const Value* ic = response ? Member(*response, "ImageConfig") : nullptr;
    auto strings = [ic](const char* key) {
      std::vector<std::string> out;
      const Value* list = ic ? Member(*ic, key) : nullptr;
      for (const Value& item : list && list->is_array() ? *list : Value::array()) {
        if (item.is_string()) out.push_back(item.get<std::string>());
      }
      return out;
    };
    s->image_entrypoint = strings("EntryPoint");
    s->image_command = strings("Command");
    if (ic) s->image_working_dir = Str(*ic, "WorkingDirectory");
  }
  s->role = Str(c, "Role");
  s->memory_mb = static_cast<int>(Int(c, "MemorySize", 128));
  s->timeout_seconds = static_cast<int>(Int(c, "Timeout", 3));
  if (const Value* e = Member(c, "EphemeralStorage")) {
    s->ephemeral_storage_mb = static_cast<int>(Int(*e, "Size", 512));
  }
  if (const Value* a = Member(c, "Architectures");
      a && a->is_array() && !a->empty() && (*a)[0].is_string()) {
    s->architecture = (*a)[0].get<std::string>();
  }
  if (const Value* e = Member(c, "Environment")) {
    if (const Value* vars = Member(*e, "Variables"); vars && vars->is_object()) {
      for (auto it = vars->begin(); it != vars->end(); ++it) {
        if (it->is_string()) s->environment[it.key()] = it->get<std::string>();
      }
    }
  }
  s->reserved_concurrency = f.reserved_concurrency;
  auto ec = f.event_configs.find(s->version);
  if (ec != f.event_configs.end()) s->event_invoke_config = EventConfigFromValue(ec->second);
  if (const Value* dlq = Member(c, "DeadLetterConfig")) {
    s->dead_letter_target_arn = Str(*dlq, "TargetArn");
  }
  s->log_group = "/aws/lambda/" + f.name;
  if (const Value* lc = Member(c, "LoggingConfig"))
    s->log_group = Str(*lc, "LogGroup", s->log_group);
  s->revision_id = Str(c, "RevisionId");
  s->generation = v.generation;
  s->account_key = ScopedKey(Scope{s->account_id, s->region}, "");
  s->function_key = Key(s->account_id, s->region, s->function_name);
  s->version_key = s->function_key + "/" + s->version;
  return s;
}

std::string LambdaControl::CodeUrl(const CallContext& call, const std::string& hex) const {
  std::string expires = std::to_string(opts_.clock->NowMillis() / 1000 + kUrlLifetimeSeconds);
  std::string path = std::string(kCodeRoutePrefix) + call.account_id + "/" + hex;
  std::string endpoint = call.endpoint.empty() ? "http://localhost:4566" : call.endpoint;
  return endpoint + path + "?X-Nimbus-Expires=" + expires +
         "&X-Nimbus-Signature=" + Sign(url_secret_, path + "\n" + expires);
}

HttpResponse LambdaControl::ServeCode(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return Denied(405, "MethodNotAllowed", "The specified method is not allowed");
  }
  std::string expires, signature;
  for (const auto& [k, v] : ParseQueryString(request.query)) {
    if (k == "X-Nimbus-Expires") expires = v;
    if (k == "X-Nimbus-Signature") signature = v;
  }
  const std::string& path = request.path;
  std::string hex = path.substr(path.rfind('/') + 1);
  bool hex_ok = hex.size() == 64 && hex.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex_ok || expires.empty() || Sign(url_secret_, path + "\n" + expires) != signature) {
    return Denied(403, "SignatureDoesNotMatch", "The request signature is not valid");
  }
  char* end = nullptr;
  long long exp = std::strtoll(expires.c_str(), &end, 10);
  if (*end != '\0' || exp < opts_.clock->NowMillis() / 1000) {
    return Denied(403, "AccessDenied", "Request has expired");
  }
  auto file = code_.ZipPath(hex);
  struct stat st;
  if (!file.ok() || ::stat(file->c_str(), &st) != 0) {
    return Denied(404, "NoSuchKey", "The specified key does not exist.");
  }
  HttpResponse r;
  r.status = 200;
  r.operation = "Lambda.CodeDownload";
  r.headers.Add("Content-Type", "application/zip");
  if (request.method == "GET") {
    r.file = {*file, 0, static_cast<uint64_t>(st.st_size)};
  } else {
    r.headers.Add("Content-Length", std::to_string(st.st_size));
  }
  return r;
}

}  // namespace nimbus::lambda
