// The TopicPublisher (api/topic_publisher.h) the SNS service publishes: Publish's own path
// (validation, storage, fan-out to the subscriptions) on behalf of the topic's account.
#pragma once

#include <memory>
#include <string>

#include "services/sns/api/topic_publisher.h"
#include "services/sns/sns_state.h"

namespace nimbus::sns {

// Publishes through `state`, which it keeps alive. `endpoint` ("http://host:port") is where
// messages' UnsubscribeURL points. Thread-safe.
std::shared_ptr<TopicPublisher> MakeTopicPublisher(std::shared_ptr<SnsState> state,
                                                   std::string endpoint);

}  // namespace nimbus::sns
