#include "services/sqs/queue_reader.h"

#include "services/kit/arn.h"
#include "services/sqs/queue_sender.h"

namespace nimbus::sqs {
namespace {

PolledMessage ToPolled(const ReceivedMessage& r) {
  const Message& m = r.message;
  PolledMessage p;
  p.message_id = m.id;
  p.receipt_handle = r.receipt_handle;
  p.body = m.body;
  p.md5_of_body = m.md5_of_body;
  p.attributes = m.attributes;
  p.md5_of_attributes = m.md5_of_attributes;
  p.sender_id = m.sender_id;
  p.sent_ms = m.sent_ms;
  p.first_receive_ms = m.first_receive_ms;
  p.receive_count = m.receive_count;
  p.group_id = m.group_id;
  p.deduplication_id = m.dedup_id;
  p.sequence_number = m.sequence_number;
  if (auto t = m.system_attributes.find("AWSTraceHeader"); t != m.system_attributes.end()) {
    p.aws_trace_header = t->second.string_value;
  }
  p.dead_letter_source_arn = m.dead_letter_source_arn;
  return p;
}

class EngineQueueReader : public QueueReader {
 public:
  explicit EngineQueueReader(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}

  Result<QueueFacts> Describe(const std::string& queue_arn) override {
    auto arn = Parse(queue_arn);
    if (!arn.ok()) return arn.error();
    auto attrs =
        engine_->GetAttributes(arn->scope, arn->resource, {"VisibilityTimeout", "FifoQueue"});
    if (!attrs.ok()) return LinkStatus(attrs.error());
    QueueFacts facts;
    facts.fifo = attrs->count("FifoQueue") && attrs->at("FifoQueue") == "true";
    facts.visibility_timeout_seconds = IntAttribute(*attrs, "VisibilityTimeout", 30);
    return facts;
  }

  Result<PolledBatch> Receive(const std::string& queue_arn, int max_messages,
                              std::optional<int64_t> visibility_timeout_seconds,
                              const std::shared_ptr<Waiter>& waiter) override {
    auto arn = Parse(queue_arn);
    if (!arn.ok()) return arn.error();
    if (max_messages < 1 || max_messages > 10) {
      return Status::InvalidArgument("max_messages must be 1..10");
    }
    ReceiveRequest request;
    request.max_messages = max_messages;
    request.visibility_timeout = visibility_timeout_seconds;
    auto got = engine_->Receive(arn->scope, arn->resource, request, waiter);
    if (!got.ok()) return LinkStatus(got.error());
    PolledBatch batch;
    batch.next_visible_in_ms = got->next_visible_in_ms;
    for (const ReceivedMessage& r : got->messages) batch.messages.push_back(ToPolled(r));
    return batch;
  }

  Status Delete(const std::string& queue_arn, const std::string& receipt_handle) override {
    auto arn = Parse(queue_arn);
    if (!arn.ok()) return arn.error();
    auto error = engine_->DeleteMessage(arn->scope, arn->resource, receipt_handle);
    return error ? LinkStatus(*error) : Status::Ok();
  }

  Status ChangeVisibility(const std::string& queue_arn, const std::string& receipt_handle,
                          int64_t seconds) override {
    auto arn = Parse(queue_arn);
    if (!arn.ok()) return arn.error();
    auto error = engine_->ChangeVisibility(arn->scope, arn->resource, receipt_handle, seconds);
    return error ? LinkStatus(*error) : Status::Ok();
  }

 private:
  static Result<Arn> Parse(const std::string& queue_arn) {
    auto arn = ParseArn(queue_arn);
    if (!arn || arn->service != "sqs") {
      return Status::InvalidArgument("not an SQS queue ARN: " + queue_arn);
    }
    return *arn;
  }

  std::shared_ptr<Engine> engine_;
};

}  // namespace

std::shared_ptr<QueueReader> MakeQueueReader(std::shared_ptr<Engine> engine) {
  return std::make_shared<EngineQueueReader>(std::move(engine));
}

}  // namespace nimbus::sqs
