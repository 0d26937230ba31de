// Validation of SNS topic and subscription attributes as Create/Set take them, with AWS's
// InvalidParameter messages (the text after "Invalid parameter: "). Pure.
#pragma once

#include <optional>
#include <string>

#include "services/sns/sns_store.h"

namespace nimbus::sns {

// Checks topic attribute `name` = `value` for `topic` (its current attributes); `creating`
// allows FifoTopic. Returns the error text, or nullopt when valid. ArchivePolicy and
// DataProtectionPolicy are reported through `unimplemented` (nimbus answers 501).
std::optional<std::string> CheckTopicAttribute(const TopicRow& topic, const std::string& name,
                                               const std::string& value, bool creating,
                                               bool& unimplemented);

// Checks subscription attribute `name` = `value` for `sub` (whose other attributes hold).
std::optional<std::string> CheckSubscriptionAttribute(const SubscriptionRow& sub,
                                                      const std::string& name,
                                                      const std::string& value);

}  // namespace nimbus::sns
