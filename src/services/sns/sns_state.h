// What every SNS operation works on: the store, the signer and the deliveries (which own the
// durable work queue). Built once by the provider (sns_provider.cc); thread-safe as its parts.
#pragma once

#include <memory>
#include <string>

#include "services/sns/delivery.h"
#include "services/sns/signer.h"
#include "services/sns/sns_store.h"
#include "store/work_queue.h"

namespace nimbus::sns {

struct SnsState {
  SnsStore store;
  std::unique_ptr<store::WorkQueue> queue;
  std::unique_ptr<Signer> signer;
  std::unique_ptr<Deliveries> deliveries;
  const Clock* clock = nullptr;
  bool sqs_available = false;     // ServiceLinks::sqs_sender was published
  bool lambda_available = false;  // ServiceLinks::lambda_invoker was published

  explicit SnsState(store::Database& db) : store(db) {}
};

}  // namespace nimbus::sns
