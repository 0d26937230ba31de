// NotificationTemplate gives, for any UnsubscribeURL, byte for byte the body NotificationJson
// builds, whatever the message text holds (quotes, the template's own marker, a look-alike
// UnsubscribeURL member).
#include "services/sns/message.h"

#include <gtest/gtest.h>

namespace nimbus::sns {
namespace {

TEST(NotificationTemplateTest, SplicesTheUnsubscribeUrlAsNotificationJsonWritesIt) {
  PublishedMessage m;
  m.id = "0f9c8b1e-0000-4000-8000-000000000001";
  m.topic_arn = "arn:aws:sns:us-east-1:000000000000:t";
  m.subject = "a \"subject\"";
  m.timestamp = "2026-12-07T22:00:00.000Z";
  m.signature_version = "1";
  m.attributes["color"] = MessageAttribute{"String", "blue \"x\""};
  for (std::string text : {std::string("plain"),
                           std::string(R"(tricky "UnsubscribeURL":"nimbus-unsubscribe-url" \ é)"),
                           std::string("line\nbreak\ttab")}) {
    NotificationTemplate tpl(m, text, "c2ln",
                             "https://127.0.0.1:4567/SimpleNotificationService.pem");
    for (std::string url :
         {std::string("http://127.0.0.1:4566/?Action=Unsubscribe&SubscriptionArn=arn%3Aaws"),
          std::string("http://h/\"quoted\"\\back")}) {
      EXPECT_EQ(tpl.For(url),
                NotificationJson(m, text, "c2ln",
                                 "https://127.0.0.1:4567/SimpleNotificationService.pem", url))
          << text << " / " << url;
    }
  }
}

}  // namespace
}  // namespace nimbus::sns
