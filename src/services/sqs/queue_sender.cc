#include "services/sqs/queue_sender.h"

#include <future>

#include "services/kit/arn.h"

namespace nimbus::sqs {
namespace {

class EngineQueueSender : public QueueSender {
 public:
  explicit EngineQueueSender(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}

  Result<SentMessage> Send(const std::string& queue_arn, OutgoingMessage message) override {
    auto arn = ParseArn(queue_arn);
    if (!arn || arn->service != "sqs") {
      return Status::InvalidArgument("not an SQS queue ARN: " + queue_arn);
    }
    SendRequest r;
    r.body = std::move(message.body);
    r.attributes = std::move(message.attributes);
    if (message.delay_seconds) r.delay_seconds = *message.delay_seconds;
    r.group_id = std::move(message.message_group_id);
    r.dedup_id = std::move(message.deduplication_id);
    auto durable = std::make_shared<std::promise<Status>>();
    auto done = durable->get_future();
    auto sent = engine_->Send(arn->scope, arn->resource, {r}, "AIDANIMBUSSQSSENDER",
                              [durable](const Status& st) { durable->set_value(st); });
    if (!sent.ok()) return LinkStatus(sent.error());
    Status st = done.get();
    if (!st.ok()) return st;
    const auto& one = sent->front();
    if (!one.ok()) return LinkStatus(one.error());
    return SentMessage{one->id, one->md5_of_body, one->sequence_number};
  }

 private:
  std::shared_ptr<Engine> engine_;
};

}  // namespace

Status LinkStatus(const AwsError& e) {
  if (e.code == "AWS.SimpleQueueService.NonExistentQueue") return Status::NotFound(e.message);
  if (e.code == "ServiceUnavailable") return Status::Unavailable(e.message);
  return Status::InvalidArgument(e.code + ": " + e.message);
}

std::shared_ptr<QueueSender> MakeQueueSender(std::shared_ptr<Engine> engine) {
  return std::make_shared<EngineQueueSender>(std::move(engine));
}

}  // namespace nimbus::sqs
