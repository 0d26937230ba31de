#include <utility>

#include "services/kit/operations.h"
#include "services/logs/logs_service.h"
#include "services/logs/ops.h"

namespace nimbus::logs {
namespace {

constexpr Operation<LogStore> kOperations[] = {
    {"CreateLogGroup", ops::CreateLogGroup},
    {"DeleteLogGroup", ops::DeleteLogGroup},
    {"DescribeLogGroups", ops::DescribeLogGroups},
    {"PutRetentionPolicy", ops::PutRetentionPolicy},
    {"DeleteRetentionPolicy", ops::DeleteRetentionPolicy},
    {"TagLogGroup", ops::TagLogGroup},
    {"UntagLogGroup", ops::UntagLogGroup},
    {"ListTagsLogGroup", ops::ListTagsLogGroup},
    {"TagResource", ops::TagResource},
    {"UntagResource", ops::UntagResource},
    {"ListTagsForResource", ops::ListTagsForResource},
    {"CreateLogStream", ops::CreateLogStream},
    {"DeleteLogStream", ops::DeleteLogStream},
    {"DescribeLogStreams", ops::DescribeLogStreams},
    {"PutLogEvents", ops::PutLogEvents},
    {"GetLogEvents", ops::GetLogEvents},
    {"FilterLogEvents", ops::FilterLogEvents},
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  auto store = MakeLogStore(*ctx.db, *ctx.clock);
  if (!store.ok()) return store.error();
  ctx.links.log_sink = MakeLogSink(*store);
  return MakeProvider("logs", std::move(*store), kOperations);
}

}  // namespace

ServiceFactory LogsService() { return {"logs", {}, Create}; }

}  // namespace nimbus::logs
