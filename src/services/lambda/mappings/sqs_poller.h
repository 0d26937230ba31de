// The pollers of event source mappings from SQS: for each enabled mapping, as many pollers as
// its ScalingConfig.MaximumConcurrency allows (5 without one, as Lambda starts), each a
// coroutine on one of the event loops that long-polls the queue through sqs::QueueReader (parked
// on a Waiter between messages: no busy polling), gathers a batch (BatchSize, within
// MaximumBatchingWindowInSeconds), invokes the function synchronously with the Records[] event
// and deletes what succeeded. A failed invocation leaves the whole batch (with
// ReportBatchItemFailures, only the reported items) to come back after the queue's visibility
// timeout, so SQS's own redrive moves it to the dead-letter queue after maxReceiveCount. FIFO
// queues keep each group's order: SQS hands out no message of a group with one in flight.
//
// Threading: Apply and Stop are thread-safe; pollers run on the loops.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "services/lambda/data_plane.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/mappings/mapping.h"
#include "services/sqs/api/queue_reader.h"

namespace nimbus::lambda {

struct PollerDeps {
  FunctionRegistry* registry = nullptr;  // outlives the pollers
  DataPlane* plane = nullptr;            // outlives the pollers' work (Stop before it goes)
  std::shared_ptr<sqs::QueueReader> queues;
  std::vector<boost::asio::io_context*> loops;  // at least one
};

class SqsPollers {
 public:
  explicit SqsPollers(PollerDeps deps) : deps_(std::move(deps)) {}
  ~SqsPollers() { Stop(); }

  // Starts the pollers of mapping `uuid` as it is `now`, after stopping those of its previous
  // settings; stops them only when it is disabled or deleted (nullopt).
  void Apply(const std::string& uuid, const std::optional<EventSourceMapping>& now);
  // Stops every poller and refuses later Apply calls. A batch being invoked finishes; what
  // was received and not deleted comes back after its visibility timeout.
  void Stop();

 private:
  struct Group;  // one mapping's pollers
  // Messages for one invocation with their records (sqs_event.h) and the records' size.
  struct Batch {
    std::vector<sqs::PolledMessage> messages;
    std::vector<std::string> records;
    size_t bytes = 0;
  };
  boost::asio::awaitable<void> Poll(std::shared_ptr<Group> group, size_t slot);
  // Receives one batch (empty when stopped or the queue cannot be read): up to BatchSize
  // messages the mapping's filter matches, within the batching window and 6 MB of event.
  boost::asio::awaitable<Batch> Gather(std::shared_ptr<Group> group, size_t slot);
  // Adds `message` to `batch` (true), deletes it when the filter matches none (true), or
  // leaves both when its record would take a non-empty batch past 6 MB (false).
  bool Add(Group& group, Batch& batch, sqs::PolledMessage&& message);
  // Invokes the function with `batch` and deletes what succeeded.
  boost::asio::awaitable<void> Deliver(std::shared_ptr<Group> group, size_t slot,
                                       const ResolvedInvoke& target, Batch batch);

  PollerDeps deps_;
  std::mutex mu_;
  bool stopped_ = false;
  std::map<std::string, std::shared_ptr<Group>> groups_;  // by mapping uuid
  size_t next_loop_ = 0;
};

}  // namespace nimbus::lambda
