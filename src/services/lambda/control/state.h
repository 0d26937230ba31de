// The control plane's records: what is persisted (as JSON, one row per function and per layer)
// and what the registry keeps in memory. Value types, copied on write by LambdaControl.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/call.h"
#include "services/lambda/function_registry.h"

namespace nimbus::lambda {

// A layer version a function version uses (kept even if the layer version is deleted later).
struct LayerUse {
  std::string arn;  // layer version ARN
  std::string hex;  // code digest
  int64_t size = 0;
  uint64_t unzipped = 0;
};

// $LATEST or one published version.
struct VersionState {
  Value config = Value::object();  // FunctionConfiguration as AWS returns it
  std::string code_hex;            // sha256 hex of the zip in the BlobStore
  uint64_t code_unzipped = 0;
  std::vector<LayerUse> layers;
  // PackageType Image: the ImageUri as given, and "<repository uri>@<digest>" it resolved to
  // when the code was set (what runs until the next UpdateFunctionCode).
  std::string image_uri;
  std::string resolved_image_uri;
  std::string pinned_image_uri;  // the same as an ECR URI: what runs (image_source.h)
  uint64_t generation = 0;                           // in memory only
  std::shared_ptr<const FunctionSnapshot> snapshot;  // in memory only, rebuilt on commit
  // $LATEST while its update is InProgress: what it was before, which invokes still run (as on
  // AWS) until the update settles. In memory only.
  std::shared_ptr<const FunctionSnapshot> before_update;
};

struct FunctionState {
  std::string account, region, name;
  VersionState latest;
  std::map<int64_t, VersionState> versions;
  std::map<std::string, Value> aliases;        // alias name -> AliasConfiguration
  std::map<std::string, Value> event_configs;  // qualifier ("$LATEST", "1", alias) -> config
  // Function URLs by qualifier ("$LATEST" or an alias): {UrlId, AuthType, InvokeMode, Cors,
  // CreationTime, LastModifiedTime} (function_urls.cc builds FunctionUrlConfig from it).
  std::map<std::string, Value> url_configs;
  Value tags = Value::object();
  std::optional<int> reserved_concurrency;
  int64_t next_version = 1;
};

struct LayerVersionState {
  Value body = Value::object();  // GetLayerVersionResponse without Content.Location
  std::string hex;
  uint64_t unzipped = 0;
  Value statements = Value::array();  // its resource policy (AddLayerVersionPermission)
  std::string policy_revision;        // RevisionId of that policy
};

struct LayerState {
  std::string account, region, name;
  std::map<int64_t, LayerVersionState> versions;
  int64_t next_version = 1;
};

// JSON forms for the database. FromJson is tolerant: missing members keep defaults; false when
// the document is not an object.
Value ToJson(const FunctionState& f);
bool FromJson(const Value& j, FunctionState& f);
Value ToJson(const LayerState& l);
bool FromJson(const Value& j, LayerState& l);

// EventInvokeConfig from a FunctionEventInvokeConfig value (AWS defaults for absent members).
EventInvokeConfig EventConfigFromValue(const Value& config);

// "2024-01-01T00:00:00.000+0000", Lambda's LastModified format.
std::string LambdaTimestamp(int64_t epoch_ms);

}  // namespace nimbus::lambda
