#include <utility>

#include "services/kit/operations.h"
#include "services/sqs/ops.h"
#include "services/sqs/queue_reader.h"
#include "services/sqs/queue_sender.h"
#include "services/sqs/sqs_service.h"

namespace nimbus::sqs {
namespace {

constexpr Operation<Engine> kOperations[] = {
    {"CreateQueue", ops::CreateQueue},
    {"DeleteQueue", ops::DeleteQueue},
    {"GetQueueUrl", ops::GetQueueUrl},
    {"ListQueues", ops::ListQueues},
    {"GetQueueAttributes", ops::GetQueueAttributes},
    {"SetQueueAttributes", ops::SetQueueAttributes},
    {"TagQueue", ops::TagQueue},
    {"UntagQueue", ops::UntagQueue},
    {"ListQueueTags", ops::ListQueueTags},
    {"PurgeQueue", ops::PurgeQueue},
    {"AddPermission", ops::AddPermission},
    {"RemovePermission", ops::RemovePermission},
    {"ListDeadLetterSourceQueues", ops::ListDeadLetterSourceQueues},
    {"StartMessageMoveTask", ops::StartMessageMoveTask},
    {"ListMessageMoveTasks", ops::ListMessageMoveTasks},
    {"CancelMessageMoveTask", ops::CancelMessageMoveTask},
    {"SendMessage", nullptr, ops::SendMessage},
    {"SendMessageBatch", nullptr, ops::SendMessageBatch},
    {"ReceiveMessage", nullptr, ops::ReceiveMessage},
    {"DeleteMessage", ops::DeleteMessage},
    {"DeleteMessageBatch", ops::DeleteMessageBatch},
    {"ChangeMessageVisibility", ops::ChangeMessageVisibility},
    {"ChangeMessageVisibilityBatch", ops::ChangeMessageVisibilityBatch},
};

class SqsProvider : public Provider {
 public:
  explicit SqsProvider(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}
  std::string_view service_name() const override { return "sqs"; }
  void RegisterOperations(OperationTable& table) override {
    AddOperations(table, *engine_, kOperations);
  }
  // Ends long polls (they answer empty) and commits what was submitted.
  void Shutdown() override { engine_->Shutdown(); }
  // SendMessageBatch: 1 MiB of messages and attributes, JSON-escaped (up to 6 bytes a byte).
  uint64_t max_request_body_bytes() const override { return 8 << 20; }

 private:
  std::shared_ptr<Engine> engine_;
};

Result<std::unique_ptr<Provider>> Create(ServiceContext& ctx) {
  auto engine = Engine::Open(*ctx.db, *ctx.clock);
  if (!engine.ok()) return engine.error();
  ctx.links.sqs_sender = MakeQueueSender(*engine);
  ctx.links.sqs_reader = MakeQueueReader(*engine);
  return std::unique_ptr<Provider>(std::make_unique<SqsProvider>(std::move(*engine)));
}

}  // namespace

ServiceFactory SqsService() { return {"sqs", {}, Create}; }

}  // namespace nimbus::sqs
