#include "services/sqs/queue_sender.h"

#include <future>
#include <mutex>
#include <optional>

#include "services/kit/arn.h"

namespace nimbus::sqs {
namespace {

class EngineQueueSender : public QueueSender {
 public:
  explicit EngineQueueSender(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}

  Result<SentMessage> Send(const std::string& queue_arn, OutgoingMessage message) override {
    std::promise<Result<SentMessage>> outcome;
    auto future = outcome.get_future();
    SendAsync(queue_arn, std::move(message),
              [&outcome](Result<SentMessage> r) { outcome.set_value(std::move(r)); });
    return future.get();
  }

  void SendAsync(const std::string& queue_arn, OutgoingMessage message, SendDone done) override {
    auto arn = ParseArn(queue_arn);
    if (!arn || arn->service != "sqs") {
      done(Status::InvalidArgument("not an SQS queue ARN: " + queue_arn));
      return;
    }
    SendRequest r;
    r.body = std::move(message.body);
    r.attributes = std::move(message.attributes);
    if (message.delay_seconds) r.delay_seconds = *message.delay_seconds;
    r.group_id = std::move(message.message_group_id);
    r.dedup_id = std::move(message.deduplication_id);
    // The engine answers the entry now and the commit later, on its writer thread, possibly
    // before Send returns here: whichever comes second calls `done`.
    struct Pending {
      std::mutex mu;
      std::optional<Result<SentMessage>> entry;
      std::optional<Status> durable;
      SendDone done;
      void Complete(std::unique_lock<std::mutex>& lock) {
        if (!entry || !durable) return;
        Result<SentMessage> out = durable->ok() ? std::move(*entry) : Result<SentMessage>(*durable);
        SendDone call = std::move(done);
        lock.unlock();
        call(std::move(out));
      }
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    auto sent = engine_->Send(arn->scope, arn->resource, {r}, "AIDANIMBUSSQSSENDER",
                              [pending](const Status& st) {
                                std::unique_lock lock(pending->mu);
                                pending->durable = st;
                                pending->Complete(lock);
                              });
    std::unique_lock lock(pending->mu);
    if (!sent.ok()) {  // refused as a whole: no commit will report
      SendDone call = std::move(pending->done);
      lock.unlock();
      call(LinkStatus(sent.error()));
      return;
    }
    const auto& one = sent->front();
    pending->entry = one.ok() ? Result<SentMessage>(SentMessage{one->id, one->md5_of_body,
                                                                one->sequence_number})
                              : Result<SentMessage>(LinkStatus(one.error()));
    pending->Complete(lock);
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
