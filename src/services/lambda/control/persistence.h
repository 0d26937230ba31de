// SQLite persistence of the Lambda control plane (module "lambda"): one JSON row per function
// and per layer, plus a small key/value table. Every write is durable when it returns OK.
// Thread-safe (Database serializes calls).
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "services/lambda/control/state.h"
#include "store/database.h"

namespace nimbus::lambda {

// Applies the "lambda" schema migrations.
Status MigrateLambda(store::Database& db);
// Calls fn for every stored function (rows that fail to parse are skipped).
Status LoadFunctions(store::Database& db, const std::function<void(FunctionState)>& fn);
Status LoadLayers(store::Database& db, const std::function<void(LayerState)>& fn);
// Upserts the row of f / l.
Status SaveFunction(store::Database& db, const FunctionState& f);
Status SaveLayer(store::Database& db, const LayerState& l);
Status DeleteFunctionRow(store::Database& db, const FunctionState& f);
// The value of `key`, creating it with make() on first use.
Result<std::string> MetaValue(store::Database& db, const std::string& key,
                              const std::function<std::string()>& make);

}  // namespace nimbus::lambda
