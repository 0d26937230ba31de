// LambdaControl: Lambda's control plane. Owns functions, versions, aliases, layers, concurrency,
// tags and event-invoke configs per (account, region); persists each function and layer as one
// SQLite row (module "lambda") written before any 2xx; implements FunctionRegistry for the data
// plane.
//
// Threading: all methods are thread-safe. Writers are serialized (write_mu_) and publish
// copy-on-write FunctionState objects under a short exclusive lock; readers (ResolveInvoke,
// Get*, List*) take a shared lock only to copy a shared_ptr.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/http.h"
#include "protocol/call.h"
#include "services/lambda/control/code_store.h"
#include "services/lambda/control/names.h"
#include "services/lambda/control/state.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/image_source.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace nimbus::lambda {

struct ControlOptions {
  store::Database* db = nullptr;      // required
  store::BlobStore* blobs = nullptr;  // required
  const Clock* clock = nullptr;       // required
  std::string data_dir;
  int account_concurrency = 1000;  // ConcurrentExecutions of GetAccountSettings
  // How long a created function stays State Pending and an updated one LastUpdateStatus
  // InProgress (AWS: about a second). 0: the stored state is Active/Successful at once and only
  // the write's own response shows Pending/InProgress, as AWS's does.
  std::chrono::milliseconds state_delay{0};
  // Runs `fn` after `delay` on some thread (the state steps when state_delay > 0). Required when
  // state_delay > 0; `fn` must not run after the LambdaControl is destroyed.
  std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)> run_after;
  // nimbus's port, for FunctionUrl ("http://<url-id>.lambda-url.<region>.localhost:<port>/").
  uint16_t port = 4566;
  // Where PackageType Image functions' ImageUri values resolve (ECR's registry); null: such
  // functions are refused.
  std::shared_ptr<FunctionImageSource> images;
};

class LambdaControl : public FunctionRegistry {
 public:
  // Applies the "lambda" migrations and loads every function and layer. Fails on a database
  // error.
  static Result<std::unique_ptr<LambdaControl>> Open(ControlOptions options);

  // FunctionRegistry.
  Result<ResolvedInvoke, AwsError> ResolveInvoke(const std::string& account_id,
                                                 const std::string& region,
                                                 const std::string& function_name,
                                                 const std::string& qualifier) override;
  void AddChangeListener(ChangeListener listener) override;
  std::optional<FunctionUrlTarget> ResolveFunctionUrl(const std::string& url_id) override;
  void ReportImageDeleted(const FunctionSnapshot& fn) override;

  // Operations: decoded input in, output or AWS error out (see the botocore lambda model).
  OpResult CreateFunction(const CallContext& call, const Value& in);
  OpResult GetFunction(const CallContext& call, const Value& in);
  OpResult GetFunctionConfiguration(const CallContext& call, const Value& in);
  OpResult ListFunctions(const CallContext& call, const Value& in);
  OpResult UpdateFunctionCode(const CallContext& call, const Value& in);
  OpResult UpdateFunctionConfiguration(const CallContext& call, const Value& in);
  OpResult DeleteFunction(const CallContext& call, const Value& in);
  OpResult PublishVersion(const CallContext& call, const Value& in);
  OpResult ListVersionsByFunction(const CallContext& call, const Value& in);
  OpResult CreateAlias(const CallContext& call, const Value& in);
  OpResult GetAlias(const CallContext& call, const Value& in);
  OpResult UpdateAlias(const CallContext& call, const Value& in);
  OpResult DeleteAlias(const CallContext& call, const Value& in);
  OpResult ListAliases(const CallContext& call, const Value& in);
  OpResult PutFunctionConcurrency(const CallContext& call, const Value& in);
  OpResult GetFunctionConcurrency(const CallContext& call, const Value& in);
  OpResult DeleteFunctionConcurrency(const CallContext& call, const Value& in);
  OpResult GetAccountSettings(const CallContext& call, const Value& in);
  OpResult PublishLayerVersion(const CallContext& call, const Value& in);
  OpResult GetLayerVersion(const CallContext& call, const Value& in);
  OpResult GetLayerVersionByArn(const CallContext& call, const Value& in);
  OpResult ListLayers(const CallContext& call, const Value& in);
  OpResult ListLayerVersions(const CallContext& call, const Value& in);
  OpResult AddLayerVersionPermission(const CallContext& call, const Value& in);
  OpResult GetLayerVersionPolicy(const CallContext& call, const Value& in);
  OpResult RemoveLayerVersionPermission(const CallContext& call, const Value& in);
  OpResult DeleteLayerVersion(const CallContext& call, const Value& in);
  OpResult TagResource(const CallContext& call, const Value& in);
  OpResult UntagResource(const CallContext& call, const Value& in);
  OpResult ListTags(const CallContext& call, const Value& in);
  OpResult PutFunctionEventInvokeConfig(const CallContext& call, const Value& in);
  OpResult UpdateFunctionEventInvokeConfig(const CallContext& call, const Value& in);
  OpResult GetFunctionEventInvokeConfig(const CallContext& call, const Value& in);
  OpResult DeleteFunctionEventInvokeConfig(const CallContext& call, const Value& in);
  OpResult ListFunctionEventInvokeConfigs(const CallContext& call, const Value& in);
  OpResult CreateFunctionUrlConfig(const CallContext& call, const Value& in);
  OpResult GetFunctionUrlConfig(const CallContext& call, const Value& in);
  OpResult UpdateFunctionUrlConfig(const CallContext& call, const Value& in);
  OpResult DeleteFunctionUrlConfig(const CallContext& call, const Value& in);
  OpResult ListFunctionUrlConfigs(const CallContext& call, const Value& in);

  // Serves GET <prefix><account>/<hex>?expires=..&signature=.. (Code.Location downloads).
  HttpResponse ServeCode(const HttpRequest& request) const;
  // Path prefix of code download URLs.
  static constexpr std::string_view kCodeRoutePrefix = "/_nimbus-lambda/code/";

 private:
  using FunctionPtr = std::shared_ptr<const FunctionState>;
  explicit LambdaControl(ControlOptions options);
  Status Load();

  static std::string Key(const std::string& account, const std::string& region,
                         const std::string& name) {
    return FunctionKey(account, region, name);
  }
  FunctionPtr Find(const std::string& account, const std::string& region,
                   const std::string& name) const;
  // Caller holds write_mu_. The function's current state once the optional RevisionId input
  // matches it; FunctionNotFound or PreconditionFailed otherwise.
  Result<FunctionPtr, AwsError> CurrentForWrite(const FunctionRef& ref, const Value& in) const;
  // Resolves FunctionName/Qualifier input members to an existing function (NotFound otherwise).
  Result<std::pair<FunctionRef, FunctionPtr>, AwsError> Lookup(
      const CallContext& call, const Value& in, const char* qualifier_member = "Qualifier") const;
  // The version a qualifier names ($LATEST, number); nullptr when absent.
  static const VersionState* VersionFor(const FunctionState& f, const std::string& qualifier);
  // Persists `next` (or deletes it when `erase`), publishes it, rebuilds snapshots, notifies.
  // Caller holds write_mu_.
  Status Commit(std::shared_ptr<FunctionState> next, bool erase = false);
  Status CommitLayer(std::shared_ptr<LayerState> next);
  // Caller holds write_mu_, `c` is $LATEST's new configuration and `out` the write's response.
  // Settles `c` now when there is no state delay (`out` keeps Pending/InProgress), else leaves it
  // for ScheduleSettle after the commit. True when ScheduleSettle is needed.
  bool SettleNowOrLater(Value& c) const;
  // Schedules Pending -> Active / InProgress -> Successful of $LATEST after the state delay.
  void ScheduleSettle(const std::string& key);
  void Settle(const std::string& key);
  std::shared_ptr<const FunctionSnapshot> BuildSnapshot(const FunctionState& f,
                                                        const VersionState& v) const;
  // The version a FunctionRef's qualifier names (aliases resolve to their primary version) and
  // the FunctionArn to report for it. FunctionNotFound when absent.
  Result<std::pair<const VersionState*, std::string>, AwsError> Target(
      const FunctionState& f, const std::string& qualifier) const;
  // A new published version `number` made from $LATEST.
  VersionState NewVersion(const FunctionState& f, int64_t number,
                          const std::optional<std::string>& description) const;
  // Publishes $LATEST into `f` unless the newest version already has the same code and
  // configuration; returns the version number.
  int64_t PublishInto(FunctionState& f, const std::optional<std::string>& description) const;
  std::string CodeUrl(const CallContext& call, const std::string& hex) const;
  std::string NowTimestamp() const { return LambdaTimestamp(opts_.clock->NowMillis()); }
  // Validates config members of `in` and applies them to `v` (create when `creating`).
  std::optional<AwsError> ApplyConfig(const CallContext& call, const Value& in, bool creating,
                                      FunctionState& f, VersionState& v) const;
  // Resolves a PackageType Image function's ImageUri to its digest now and sets `v`'s image
  // code (image_uri, resolved_image_uri, CodeSha256, CodeSize), or AWS's error for the URI.
  std::optional<AwsError> SetImageCode(const CallContext& call, const std::string& uri,
                                       VersionState& v) const;
  Result<std::vector<LayerUse>, AwsError> ResolveLayers(const CallContext& call,
                                                        const Value& arns) const;
  // True when the layer version's policy lets `account` use it (lambda:GetLayerVersion to that
  // account or to "*").
  static bool LayerGrants(const LayerVersionState& version, const std::string& account);
  // Caller holds write_mu_. A copy of layer `name` (the caller's) to change version `version`'s
  // policy in, once the optional RevisionId input matches that policy's; NotFound or
  // PreconditionFailed otherwise.
  Result<std::shared_ptr<LayerState>, AwsError> LayerPolicyForWrite(const CallContext& call,
                                                                    const std::string& name,
                                                                    int64_t version,
                                                                    const Value& in) const;
  // FunctionUrlConfig as AWS returns it for the stored url config of `qualifier` in `f`.
  Value UrlConfigOut(const FunctionState& f, const std::string& qualifier,
                     const Value& stored) const;
  // Caller holds state_mu_ exclusively: url_ids_ loses `old`'s URLs and gains `next`'s.
  void IndexUrlsLocked(const FunctionState* old, const FunctionState* next);
  int ReservedTotal(const std::string& account, const std::string& region,
                    const std::string& except_name) const;

  ControlOptions opts_;
  CodeStore code_;
  std::string url_secret_;
  mutable std::shared_mutex state_mu_;
  std::mutex write_mu_;
  std::map<std::string, FunctionPtr> functions_;                     // guarded by state_mu_
  std::map<std::string, std::shared_ptr<const LayerState>> layers_;  // guarded by state_mu_
  // url id -> (function key, qualifier) of every function URL; guarded by state_mu_.
  std::map<std::string, std::pair<std::string, std::string>> url_ids_;
  mutable std::atomic<uint64_t> next_generation_{1};
  std::mutex listeners_mu_;
  std::vector<ChangeListener> listeners_;
};

}  // namespace nimbus::lambda
