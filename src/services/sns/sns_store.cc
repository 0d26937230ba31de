#include "services/sns/sns_store.h"

namespace nimbus::sns {
namespace {

const store::Migration kMigrations[] = {
    {1, "topics-subscriptions-messages",
     "CREATE TABLE sns_topics ("
     "  arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
     "  attributes TEXT NOT NULL, tags TEXT NOT NULL, sequence INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX sns_topics_scope ON sns_topics(account, region, arn);"
     "CREATE TABLE sns_subscriptions ("
     "  arn TEXT PRIMARY KEY, topic_arn TEXT NOT NULL, account TEXT NOT NULL,"
     "  region TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL,"
     "  confirmed INTEGER NOT NULL, token TEXT NOT NULL, token_expires_ms INTEGER NOT NULL,"
     "  attributes TEXT NOT NULL, authenticated INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX sns_subscriptions_topic ON sns_subscriptions(topic_arn, arn);"
     "CREATE INDEX sns_subscriptions_scope ON sns_subscriptions(account, region, arn);"
     "CREATE TABLE sns_dedup ("
     "  topic_arn TEXT NOT NULL, dedup_id TEXT NOT NULL, message_id TEXT NOT NULL,"
     "  sequence INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
     "  PRIMARY KEY(topic_arn, dedup_id));"
     "CREATE TABLE sns_messages ("
     "  id TEXT PRIMARY KEY, body TEXT NOT NULL, refs INTEGER NOT NULL);"},
};

Value ParseObject(std::string_view text) {
  Value v = Value::parse(text, nullptr, false);
  return v.is_object() ? v : Value::object();
}

std::string AttrOf(const Value& attrs, const char* name, const std::string& def) {
  auto it = attrs.find(name);
  return it != attrs.end() && it->is_string() ? it->get<std::string>() : def;
}

constexpr const char* kSubColumns =
    "arn, topic_arn, account, protocol, endpoint, confirmed, token, token_expires_ms,"
    " attributes, authenticated";

SubscriptionRow ReadSub(const store::Row& r) {
  SubscriptionRow s;
  s.arn = r.Text(0);
  s.topic_arn = r.Text(1);
  s.account = r.Text(2);
  s.protocol = r.Text(3);
  s.endpoint = r.Text(4);
  s.confirmed = r.Int(5) != 0;
  s.token = r.Text(6);
  s.token_expires_ms = r.Int(7);
  s.attributes = ParseObject(r.TextView(8));
  s.authenticated = r.Int(9) != 0;
  return s;
}

}  // namespace

bool TopicRow::fifo() const { return Attr("FifoTopic") == "true"; }
std::string TopicRow::Attr(const char* name, const std::string& def) const {
  return AttrOf(attributes, name, def);
}
std::string SubscriptionRow::Attr(const char* name, const std::string& def) const {
  return AttrOf(attributes, name, def);
}

Status SnsStore::Init() { return db_.Migrate("sns", kMigrations); }

Status SnsStore::InsertTopic(const Scope& s, const TopicRow& t) {
  Changed();
  auto done = db_.Exec(
      "INSERT INTO sns_topics(arn, account, region, name, attributes, tags, sequence)"
      " VALUES(?,?,?,?,?,?,?) ON CONFLICT(arn) DO NOTHING",
      {t.arn, s.account, s.region, t.name, t.attributes.dump(), t.tags.dump(), t.sequence});
  if (!done.ok()) return done.error();
  if (*done == 0) return Status::AlreadyExists("Topic already exists");
  return Status::Ok();
}

Status SnsStore::UpdateTopic(const TopicRow& t) {
  Changed();
  auto done = db_.Exec("UPDATE sns_topics SET attributes=?, tags=?, sequence=? WHERE arn=?",
                       {t.attributes.dump(), t.tags.dump(), t.sequence, t.arn});
  if (!done.ok()) return done.error();
  if (*done == 0) return Status::NotFound("Topic does not exist");
  return Status::Ok();
}

Result<std::optional<TopicRow>> SnsStore::GetTopic(const std::string& arn) {
  std::optional<TopicRow> out;
  Status st = db_.Query("SELECT name, attributes, tags, sequence FROM sns_topics WHERE arn=?",
                        {arn}, [&](const store::Row& r) {
                          out = TopicRow{arn, r.Text(0), ParseObject(r.TextView(1)),
                                         ParseObject(r.TextView(2)), r.Int(3)};
                          return false;
                        });
  if (!st.ok()) return st;
  return out;
}

Status SnsStore::DeleteTopic(const std::string& arn) {
  Changed();
  return db_.Transaction([&]() -> Status {
    auto a = db_.Exec("DELETE FROM sns_subscriptions WHERE topic_arn=?", {arn});
    if (!a.ok()) return a.error();
    auto b = db_.Exec("DELETE FROM sns_dedup WHERE topic_arn=?", {arn});
    if (!b.ok()) return b.error();
    auto c = db_.Exec("DELETE FROM sns_topics WHERE arn=?", {arn});
    return c.ok() ? Status::Ok() : c.error();
  });
}

Result<std::vector<std::string>> SnsStore::ListTopics(const Scope& s, const std::string& after,
                                                      int limit) {
  std::vector<std::string> out;
  Status st = db_.Query(
      "SELECT arn FROM sns_topics WHERE account=? AND region=? AND arn>? ORDER BY arn LIMIT ?",
      {s.account, s.region, after, limit}, [&](const store::Row& r) {
        out.push_back(r.Text(0));
        return true;
      });
  if (!st.ok()) return st;
  return out;
}

Status SnsStore::PutSubscription(const SubscriptionRow& sub) {
  Changed();
  auto topic = GetTopic(sub.topic_arn);
  if (!topic.ok()) return topic.error();
  std::string region;
  if (auto pos = sub.topic_arn.find(":sns:"); pos != std::string::npos) {
    region = sub.topic_arn.substr(pos + 5, sub.topic_arn.find(':', pos + 5) - pos - 5);
  }
  auto done = db_.Exec(
      "INSERT OR REPLACE INTO sns_subscriptions(arn, topic_arn, account, region, protocol,"
      " endpoint, confirmed, token, token_expires_ms, attributes, authenticated)"
      " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
      {sub.arn, sub.topic_arn, sub.account, region, sub.protocol, sub.endpoint,
       sub.confirmed ? 1 : 0, sub.token, sub.token_expires_ms, sub.attributes.dump(),
       sub.authenticated ? 1 : 0});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::optional<SubscriptionRow>> SnsStore::GetSubscription(const std::string& arn) {
  std::optional<SubscriptionRow> out;
  Status st =
      db_.Query(std::string("SELECT ") + kSubColumns + " FROM sns_subscriptions WHERE arn=?", {arn},
                [&](const store::Row& r) {
                  out = ReadSub(r);
                  return false;
                });
  if (!st.ok()) return st;
  return out;
}

Status SnsStore::DeleteSubscription(const std::string& arn) {
  Changed();
  auto done = db_.Exec("DELETE FROM sns_subscriptions WHERE arn=?", {arn});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::vector<SubscriptionRow>> SnsStore::ListSubscriptions(const Scope& s,
                                                                 const std::string& topic_arn,
                                                                 const std::string& after,
                                                                 int limit) {
  std::vector<SubscriptionRow> out;
  auto add = [&](const store::Row& r) {
    out.push_back(ReadSub(r));
    return true;
  };
  Status st = topic_arn.empty()
                  ? db_.Query(std::string("SELECT ") + kSubColumns +
                                  " FROM sns_subscriptions WHERE account=? AND region=? AND"
                                  " arn>? ORDER BY arn LIMIT ?",
                              {s.account, s.region, after, limit}, add)
                  : db_.Query(std::string("SELECT ") + kSubColumns +
                                  " FROM sns_subscriptions WHERE topic_arn=? AND arn>?"
                                  " ORDER BY arn LIMIT ?",
                              {topic_arn, after, limit}, add);
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<SubscriptionRow>> SnsStore::TopicSubscriptions(const std::string& topic_arn) {
  std::vector<SubscriptionRow> out;
  Status st =
      db_.Query(std::string("SELECT ") + kSubColumns + " FROM sns_subscriptions WHERE topic_arn=?",
                {topic_arn}, [&](const store::Row& r) {
                  out.push_back(ReadSub(r));
                  return true;
                });
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<SubscriptionRow>> SnsStore::FindByToken(const std::string& topic_arn,
                                                             const std::string& token) {
  std::optional<SubscriptionRow> out;
  Status st = db_.Query(std::string("SELECT ") + kSubColumns +
                            " FROM sns_subscriptions WHERE topic_arn=? AND token=? AND token<>''",
                        {topic_arn, token}, [&](const store::Row& r) {
                          out = ReadSub(r);
                          return false;
                        });
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<SubscriptionRow>> SnsStore::FindByEndpoint(const std::string& topic_arn,
                                                                const std::string& protocol,
                                                                const std::string& endpoint) {
  std::optional<SubscriptionRow> out;
  Status st = db_.Query(std::string("SELECT ") + kSubColumns +
                            " FROM sns_subscriptions WHERE topic_arn=? AND protocol=? AND"
                            " endpoint=?",
                        {topic_arn, protocol, endpoint}, [&](const store::Row& r) {
                          out = ReadSub(r);
                          return false;
                        });
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<std::pair<std::string, int64_t>>> SnsStore::Deduplicate(
    const std::string& topic_arn, const std::string& dedup_id, const std::string& message_id,
    int64_t sequence, int64_t now_ms, int64_t expires_ms) {
  std::optional<std::pair<std::string, int64_t>> seen;
  Status st = db_.Transaction([&]() -> Status {
    auto gone = db_.Exec("DELETE FROM sns_dedup WHERE expires_ms<?", {now_ms});
    if (!gone.ok()) return gone.error();
    Status q =
        db_.Query("SELECT message_id, sequence FROM sns_dedup WHERE topic_arn=? AND dedup_id=?",
                  {topic_arn, dedup_id}, [&](const store::Row& r) {
                    seen = std::make_pair(r.Text(0), r.Int(1));
                    return false;
                  });
    if (!q.ok() || seen) return q;
    auto put = db_.Exec(
        "INSERT INTO sns_dedup(topic_arn, dedup_id, message_id, sequence, expires_ms)"
        " VALUES(?,?,?,?,?)",
        {topic_arn, dedup_id, message_id, sequence, expires_ms});
    return put.ok() ? Status::Ok() : put.error();
  });
  if (!st.ok()) return st;
  return seen;
}

Status SnsStore::PutMessage(const std::string& id, const std::string& body, int refs) {
  auto done = db_.Exec("INSERT OR REPLACE INTO sns_messages(id, body, refs) VALUES(?,?,?)",
                       {id, body, refs});
  return done.ok() ? Status::Ok() : done.error();
}

Result<std::optional<std::string>> SnsStore::GetMessage(const std::string& id) {
  std::optional<std::string> out;
  Status st = db_.Query("SELECT body FROM sns_messages WHERE id=?", {id}, [&](const store::Row& r) {
    out = r.Text(0);
    return false;
  });
  if (!st.ok()) return st;
  return out;
}

Status SnsStore::ReleaseMessage(const std::string& id) {
  return db_.Transaction([&]() -> Status {
    auto a = db_.Exec("UPDATE sns_messages SET refs=refs-1 WHERE id=?", {id});
    if (!a.ok()) return a.error();
    auto b = db_.Exec("DELETE FROM sns_messages WHERE id=? AND refs<=0", {id});
    return b.ok() ? Status::Ok() : b.error();
  });
}

}  // namespace nimbus::sns
