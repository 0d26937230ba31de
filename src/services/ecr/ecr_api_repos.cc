// ECR API: repositories, tag mutability, scanning settings, lifecycle policies, resource tags
// and GetAuthorizationToken.
#include <nlohmann/json.hpp>

#include "services/ecr/api.h"
#include "services/ecr/lifecycle.h"
#include "services/ecr/names.h"
#include "services/kit/arn.h"
#include "services/kit/errors.h"

namespace nimbus::ecr {
namespace {

using nlohmann::json;

std::string Arn(const Scope& ns, const std::string& name) {
  return MakeArn("ecr", ns, "repository/" + name);
}

Value RepoValue(const EcrState& s, const Scope& ns, const RepoRow& r) {
  Value v = {{"repositoryArn", Arn(ns, r.name)},
             {"registryId", ns.account},
             {"repositoryName", r.name},
             {"repositoryUri", s.registry_host + "/" + r.name},
             {"createdAt", static_cast<double>(r.created_ms) / 1000.0},
             {"imageTagMutability", r.mutability},
             {"imageScanningConfiguration", {{"scanOnPush", r.scan_on_push}}},
             {"encryptionConfiguration", {{"encryptionType", r.encryption_type}}}};
  if (!r.kms_key.empty()) v["encryptionConfiguration"]["kmsKey"] = r.kms_key;
  return v;
}

Result<std::string, AwsError> Mutability(const Value& input, const std::string& fallback) {
  auto it = input.find("imageTagMutability");
  if (it == input.end()) return fallback;
  std::string m = it->is_string() ? it->get<std::string>() : "";
  if (m == "MUTABLE" || m == "IMMUTABLE") return m;
  return InvalidParameter(
      "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: "
      "'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'");
}

Result<json, AwsError> ValidTags(const Value& tags) {
  if (!tags.is_array()) return InvalidParameter("tags must be a list");
  for (const auto& t : tags) {
    if (!t.is_object() || !t.contains("Key") || !t["Key"].is_string() ||
        t["Key"].get<std::string>().empty()) {
      return AwsError("InvalidTagParameterException", "Tag keys must be non-empty strings");
    }
  }
  return tags;
}

// Replaces or adds `add` in the repository's tag list.
std::string MergeTags(const std::string& current_json, const json& add) {
  json current = json::parse(current_json, nullptr, false);
  if (!current.is_array()) current = json::array();
  for (const auto& t : add) {
    bool replaced = false;
    for (auto& c : current) {
      if (c["Key"] == t["Key"]) {
        c["Value"] = t.value("Value", "");
        replaced = true;
      }
    }
    if (!replaced) current.push_back({{"Key", t["Key"]}, {"Value", t.value("Value", "")}});
  }
  return current.dump();
}

// The repository an ECR repository ARN of the caller's scope names.
Result<RepoRow, AwsError> RepoFromArn(EcrState& s, const CallContext& call, const Value& input) {
  auto arn = RequiredString(input, "resourceArn");
  if (!arn.ok()) return arn.error();
  auto parsed = ParseArn(*arn);
  if (!parsed || parsed->partition != "aws" || parsed->service != "ecr" ||
      parsed->scope != ScopeOf(call) || !parsed->resource.starts_with("repository/")) {
    return InvalidParameter(
        "Invalid parameter at 'resourceArn' failed to satisfy constraint: "
        "'Invalid ARN'");
  }
  return InputRepo(s, call, Value{{"repositoryName", parsed->resource.substr(11)}});
}

}  // namespace

std::optional<AwsError> ForeignRegistry(const CallContext& call, const Value& input,
                                        const std::string& repo) {
  auto id = input.find("registryId");
  if (id == input.end() || !id->is_string() || *id == call.account_id) return std::nullopt;
  std::string action = "ecr:" + call.operation;
  return AwsError("AccessDeniedException",
                  "User: " + MakeArn("iam", Scope{call.account_id, ""}, "root") +
                      " is not authorized to perform: " + action + " on resource: " +
                      MakeArn("ecr", Scope{id->get<std::string>(), call.region},
                              "repository/" + (repo.empty() ? "*" : repo)) +
                      " because no resource-based policy allows the " + action + " action",
                  403);
}

namespace {

Value Ids(const Scope& ns, const std::string& name) {
  return {{"registryId", ns.account}, {"repositoryName", name}};
}

AwsError NoLifecycle(const Scope& ns, const std::string& name) {
  return AwsError("LifecyclePolicyNotFoundException",
                  "Lifecycle policy does not exist for the repository with name '" + name +
                      "' in the registry with id '" + ns.account + "'");
}

// GetLifecyclePolicy's answer; DeleteLifecyclePolicy's too, after removing the policy.
OpResult LifecyclePolicyOf(EcrState& s, const CallContext& call, const Value& in, bool remove) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  if (!repo->lifecycle) return NoLifecycle(ns, repo->name);
  Value out = Ids(ns, repo->name);
  out["lifecyclePolicyText"] = *repo->lifecycle;
  if (repo->lifecycle_eval_ms > 0) {
    out["lastEvaluatedAt"] = static_cast<double>(repo->lifecycle_eval_ms) / 1000.0;
  }
  if (remove) {
    repo->lifecycle.reset();
    Status st = s.core->repos().UpdateRepo(ns, *repo);
    if (!st.ok()) return InternalError("ServerException", st);
  }
  return out;
}

}  // namespace

OpResult CreateRepository(EcrState& s, const CallContext& call, const Value& in) {
  auto name = RequiredString(in, "repositoryName");
  if (!name.ok()) return name.error();
  if (auto denied = ForeignRegistry(call, in, *name)) return *denied;
  if (!ValidRepoName(*name)) {
    return InvalidParameter(
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy "
        "regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''");
  }
  auto mutability = Mutability(in, "MUTABLE");
  if (!mutability.ok()) return mutability.error();
  RepoRow row;
  row.name = *name;
  row.created_ms = s.core->clock().NowMillis();
  row.mutability = *mutability;
  if (auto sc = in.find("imageScanningConfiguration"); sc != in.end()) {
    row.scan_on_push = sc->value("scanOnPush", false);
  }
  if (auto enc = in.find("encryptionConfiguration"); enc != in.end()) {
    row.encryption_type = enc->value("encryptionType", "AES256");
    row.kms_key = enc->value("kmsKey", "");
  }
  if (auto tags = in.find("tags"); tags != in.end()) {
    auto valid = ValidTags(*tags);
    if (!valid.ok()) return valid.error();
    row.tags_json = MergeTags("[]", *valid);
  }
  Scope ns = ScopeOf(call);
  Status st = s.core->repos().CreateRepo(ns, row);
  if (st.code() == StatusCode::kAlreadyExists) {
    return AwsError("RepositoryAlreadyExistsException",
                    "The repository with name '" + *name +
                        "' already exists in the registry with id '" + ns.account + "'");
  }
  if (!st.ok()) return InternalError("ServerException", st);
  return Value{{"repository", RepoValue(s, ns, row)}};
}

OpResult DescribeRepositories(EcrState& s, const CallContext& call, const Value& in) {
  if (auto denied = ForeignRegistry(call, in, "")) return *denied;
  Scope ns = ScopeOf(call);
  Value repos = Value::array();
  if (auto names = in.find("repositoryNames"); names != in.end() && names->is_array()) {
    for (const auto& n : *names) {
      auto repo = InputRepo(s, call, Value{{"repositoryName", n}});
      if (!repo.ok()) return repo.error();
      repos.push_back(RepoValue(s, ns, *repo));
    }
    return Value{{"repositories", repos}};
  }
  auto page = ReadPage(in);
  if (!page.ok()) return page.error();
  auto all = s.core->repos().ListRepos(ns);
  if (!all.ok()) return InternalError("ServerException", all.error());
  return PageOut(*page, all->size(), "repositories",
                 [&](size_t i) { return RepoValue(s, ns, (*all)[i]); });
}

OpResult DeleteRepository(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  Scope ns = ScopeOf(call);
  bool force = in.value("force", false);
  auto images = s.core->repos().ListImages(ns, repo->name);
  if (!images.ok()) return InternalError("ServerException", images.error());
  if (!images->empty() && !force) {
    return AwsError("RepositoryNotEmptyException",
                    "The repository with name '" + repo->name + "' in registry with id '" +
                        ns.account + "' cannot be deleted because it still contains images");
  }
  auto done = s.core->DeleteRepository(ns, repo->name);
  if (!done.ok()) return ApiError(done.error(), ns, repo->name);
  return Value{{"repository", RepoValue(s, ns, *repo)}};
}

OpResult PutImageTagMutability(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  if (!in.contains("imageTagMutability")) return InvalidParameter("imageTagMutability is required");
  auto m = Mutability(in, repo->mutability);
  if (!m.ok()) return m.error();
  repo->mutability = *m;
  Scope ns = ScopeOf(call);
  Status st = s.core->repos().UpdateRepo(ns, *repo);
  if (!st.ok()) return InternalError("ServerException", st);
  Value out = Ids(ns, repo->name);
  out["imageTagMutability"] = *m;
  return out;
}

OpResult PutImageScanningConfiguration(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  auto sc = in.find("imageScanningConfiguration");
  if (sc == in.end()) return InvalidParameter("imageScanningConfiguration is required");
  repo->scan_on_push = sc->value("scanOnPush", false);
  Scope ns = ScopeOf(call);
  Status st = s.core->repos().UpdateRepo(ns, *repo);
  if (!st.ok()) return InternalError("ServerException", st);
  Value out = Ids(ns, repo->name);
  out["imageScanningConfiguration"] = {{"scanOnPush", repo->scan_on_push}};
  return out;
}

OpResult PutLifecyclePolicy(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = InputRepo(s, call, in);
  if (!repo.ok()) return repo.error();
  auto text = RequiredString(in, "lifecyclePolicyText");
  if (!text.ok()) return text.error();
  auto policy = ParseLifecyclePolicy(*text);
  if (!policy.ok()) return InvalidParameter(policy.error().message());
  repo->lifecycle = *text;
  Scope ns = ScopeOf(call);
  Status st = s.core->repos().UpdateRepo(ns, *repo);
  if (!st.ok()) return InternalError("ServerException", st);
  auto applied = s.core->ApplyLifecycle(ns, repo->name);
  if (!applied.ok()) return ApiError(applied.error(), ns, repo->name);
  Value out = Ids(ns, repo->name);
  out["lifecyclePolicyText"] = *text;
  return out;
}

OpResult GetLifecyclePolicy(EcrState& s, const CallContext& call, const Value& in) {
  return LifecyclePolicyOf(s, call, in, /*remove=*/false);
}

OpResult DeleteLifecyclePolicy(EcrState& s, const CallContext& call, const Value& in) {
  return LifecyclePolicyOf(s, call, in, /*remove=*/true);
}

OpResult TagResource(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = RepoFromArn(s, call, in);
  if (!repo.ok()) return repo.error();
  auto tags = ValidTags(in.contains("tags") ? in["tags"] : Value());
  if (!tags.ok()) return tags.error();
  repo->tags_json = MergeTags(repo->tags_json, *tags);
  Status st = s.core->repos().UpdateRepo(ScopeOf(call), *repo);
  if (!st.ok()) return InternalError("ServerException", st);
  return Value::object();
}

OpResult UntagResource(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = RepoFromArn(s, call, in);
  if (!repo.ok()) return repo.error();
  json current = json::parse(repo->tags_json, nullptr, false);
  json kept = json::array();
  auto keys = in.value("tagKeys", json::array());
  for (const auto& t : current.is_array() ? current : json::array()) {
    bool drop = false;
    for (const auto& k : keys) drop = drop || t["Key"] == k;
    if (!drop) kept.push_back(t);
  }
  repo->tags_json = kept.dump();
  Status st = s.core->repos().UpdateRepo(ScopeOf(call), *repo);
  if (!st.ok()) return InternalError("ServerException", st);
  return Value::object();
}

OpResult ListTagsForResource(EcrState& s, const CallContext& call, const Value& in) {
  auto repo = RepoFromArn(s, call, in);
  if (!repo.ok()) return repo.error();
  json tags = json::parse(repo->tags_json, nullptr, false);
  return Value{{"tags", tags.is_array() ? tags : json::array()}};
}

OpResult GetAuthorizationToken(EcrState& s, const CallContext& call, const Value&) {
  auto token = s.auth->Issue(ScopeOf(call));
  if (!token.ok()) return InternalError("ServerException", token.error());
  return Value{{"authorizationData",
                Value::array({{{"authorizationToken", token->authorization_token},
                               {"expiresAt", static_cast<double>(token->expires_ms) / 1000.0},
                               {"proxyEndpoint", "http://" + s.registry_host}}})}};
}

}  // namespace nimbus::ecr
