#include "services/sqs/queue_store.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

namespace nimbus::sqs::queue_store {
namespace {

using store::BlobParam;
using store::Row;

const store::Migration kMigrations[] = {
    {1, "sqs queues, messages and fifo deduplication",
     "CREATE TABLE sqs_queues ("
     "  id INTEGER PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
     "  name TEXT NOT NULL, fifo INTEGER NOT NULL, attributes TEXT NOT NULL,"
     "  tags TEXT NOT NULL, created_s INTEGER NOT NULL, modified_s INTEGER NOT NULL,"
     "  UNIQUE (account, region, name));"
     "CREATE TABLE sqs_messages ("
     "  queue_id INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL,"
     "  attributes BLOB NOT NULL, system_attributes BLOB NOT NULL, group_id TEXT NOT NULL,"
     "  dedup_id TEXT NOT NULL, sequence_number TEXT NOT NULL, sender_id TEXT NOT NULL,"
     "  dlq_source_arn TEXT NOT NULL, sent_ms INTEGER NOT NULL, visible_at_ms INTEGER NOT NULL,"
     "  first_receive_ms INTEGER NOT NULL, receive_count INTEGER NOT NULL,"
     "  PRIMARY KEY (queue_id, seq)) WITHOUT ROWID;"
     "CREATE TABLE sqs_dedup ("
     "  queue_id INTEGER NOT NULL, key TEXT NOT NULL, expires_ms INTEGER NOT NULL,"
     "  message_id TEXT NOT NULL, sequence_number TEXT NOT NULL,"
     "  PRIMARY KEY (queue_id, key)) WITHOUT ROWID;"},
};

void PutU32(std::string& out, size_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
}
void PutField(std::string& out, std::string_view s) {
  PutU32(out, s.size());
  out.append(s);
}
bool GetField(std::string_view& in, std::string& out) {
  if (in.size() < 4) return false;
  size_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(in[i]);
  if (in.size() < 4 + n) return false;
  out.assign(in.substr(4, n));
  in.remove_prefix(4 + n);
  return true;
}

// name, data type, value (the binary bytes for Binary types), per attribute.
std::string EncodeAttributes(const AttributeValues& attrs) {
  std::string out;
  for (const auto& [name, a] : attrs) {
    PutField(out, name);
    PutField(out, a.data_type);
    PutField(out, a.data_type.starts_with("Binary") ? a.binary_value : a.string_value);
  }
  return out;
}
AttributeValues DecodeAttributes(std::string_view in) {
  AttributeValues attrs;
  std::string name, type, value;
  while (GetField(in, name) && GetField(in, type) && GetField(in, value)) {
    MessageAttribute& a = attrs[name];
    a.data_type = type;
    (type.starts_with("Binary") ? a.binary_value : a.string_value) = value;
  }
  return attrs;
}

// The status of an Exec.
Status StatusOf(const Result<int64_t>& r) { return r.ok() ? Status() : r.error(); }

}  // namespace

Status Migrate(store::Database& db) { return db.Migrate("sqs", kMigrations); }

Result<std::vector<std::unique_ptr<Queue>>> LoadQueues(store::Database& db) {
  std::vector<std::unique_ptr<Queue>> queues;
  std::unordered_map<int64_t, Queue*> by_id;
  Status st = db.Query(
      "SELECT id, account, region, name, fifo, attributes, tags, created_s, modified_s "
      "FROM sqs_queues ORDER BY id",
      {}, [&](const Row& r) {
        auto q = std::make_unique<Queue>();
        q->id = r.Int(0);
        q->scope = {r.Text(1), r.Text(2)};
        q->name = r.Text(3);
        q->fifo = r.Int(4) != 0;
        auto attrs = nlohmann::json::parse(r.TextView(5), nullptr, false);
        if (attrs.is_object()) q->attributes = attrs.get<AttributeMap>();
        auto tags = nlohmann::json::parse(r.TextView(6), nullptr, false);
        if (tags.is_object()) q->tags = tags.get<std::map<std::string, std::string>>();
        q->created_s = r.Int(7);
        q->modified_s = r.Int(8);
        by_id[q->id] = q.get();
        queues.push_back(std::move(q));
        return true;
      });
  if (!st.ok()) return st;
  st = db.Query(
      "SELECT queue_id, seq, id, body, attributes, system_attributes, group_id, dedup_id, "
      "sequence_number, sender_id, dlq_source_arn, sent_ms, visible_at_ms, first_receive_ms, "
      "receive_count FROM sqs_messages ORDER BY queue_id, seq",
      {}, [&](const Row& r) {
        auto it = by_id.find(r.Int(0));
        if (it == by_id.end()) return true;
        Message m;
        m.seq = static_cast<uint64_t>(r.Int(1));
        m.id = r.Text(2);
        m.body = r.Blob(3);
        m.attributes = DecodeAttributes(r.Blob(4));
        m.system_attributes = DecodeAttributes(r.Blob(5));
        m.group_id = r.Text(6);
        m.dedup_id = r.Text(7);
        m.sequence_number = r.Text(8);
        m.sender_id = r.Text(9);
        m.dead_letter_source_arn = r.Text(10);
        m.sent_ms = r.Int(11);
        m.visible_at_ms = r.Int(12);
        m.first_receive_ms = r.Int(13);
        m.receive_count = r.Int(14);
        it->second->next_seq = std::max(it->second->next_seq, m.seq + 1);
        it->second->messages.emplace(m.seq, std::move(m));
        return true;
      });
  if (!st.ok()) return st;
  st = db.Query("SELECT queue_id, key, expires_ms, message_id, sequence_number FROM sqs_dedup", {},
                [&](const Row& r) {
                  auto it = by_id.find(r.Int(0));
                  if (it != by_id.end()) {
                    it->second->dedup[r.Text(1)] = {r.Int(2), r.Text(3), r.Text(4)};
                  }
                  return true;
                });
  if (!st.ok()) return st;
  return queues;
}

Status PutQueue(store::Database& db, const Queue& q) {
  std::string attrs = nlohmann::json(q.attributes).dump();
  std::string tags = nlohmann::json(q.tags).dump();
  return StatusOf(
      db.Exec("INSERT OR REPLACE INTO sqs_queues (id, account, region, name, fifo, attributes, "
              "tags, created_s, modified_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {q.id, q.scope.account, q.scope.region, q.name, q.fifo ? 1 : 0, attrs, tags,
               q.created_s, q.modified_s}));
}

Status DeleteQueue(store::Database& db, int64_t queue_id) {
  for (const char* sql :
       {"DELETE FROM sqs_messages WHERE queue_id = ?", "DELETE FROM sqs_dedup WHERE queue_id = ?",
        "DELETE FROM sqs_queues WHERE id = ?"}) {
    if (auto r = db.Exec(sql, {queue_id}); !r.ok()) return r.error();
  }
  return Status();
}

Status InsertMessage(store::Database& db, int64_t queue_id, const Message& m) {
  std::string attrs = EncodeAttributes(m.attributes);
  std::string sys = EncodeAttributes(m.system_attributes);
  return StatusOf(db.Exec(
      "INSERT OR REPLACE INTO sqs_messages (queue_id, seq, id, body, attributes, "
      "system_attributes, group_id, dedup_id, sequence_number, sender_id, dlq_source_arn, "
      "sent_ms, visible_at_ms, first_receive_ms, receive_count) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {queue_id, static_cast<int64_t>(m.seq), m.id, BlobParam{m.body}, BlobParam{attrs},
       BlobParam{sys}, m.group_id, m.dedup_id, m.sequence_number, m.sender_id,
       m.dead_letter_source_arn, m.sent_ms, m.visible_at_ms, m.first_receive_ms, m.receive_count}));
}

Status UpdateMessageState(store::Database& db, int64_t queue_id, const Message& m) {
  return StatusOf(
      db.Exec("UPDATE sqs_messages SET visible_at_ms = ?, first_receive_ms = ?, receive_count = ? "
              "WHERE queue_id = ? AND seq = ?",
              {m.visible_at_ms, m.first_receive_ms, m.receive_count, queue_id,
               static_cast<int64_t>(m.seq)}));
}

Status DeleteMessage(store::Database& db, int64_t queue_id, uint64_t seq) {
  return StatusOf(db.Exec("DELETE FROM sqs_messages WHERE queue_id = ? AND seq = ?",
                          {queue_id, static_cast<int64_t>(seq)}));
}

Status PurgeMessages(store::Database& db, int64_t queue_id, uint64_t up_to) {
  return StatusOf(db.Exec("DELETE FROM sqs_messages WHERE queue_id = ? AND seq <= ?",
                          {queue_id, static_cast<int64_t>(up_to)}));
}

Status PutDedup(store::Database& db, int64_t queue_id, const std::string& key,
                const DedupEntry& e) {
  if (auto r = db.Exec("DELETE FROM sqs_dedup WHERE queue_id = ? AND expires_ms < ?",
                       {queue_id, e.expires_ms - 5 * 60 * 1000});
      !r.ok()) {
    return r.error();
  }
  return StatusOf(
      db.Exec("INSERT OR REPLACE INTO sqs_dedup (queue_id, key, expires_ms, message_id, "
              "sequence_number) VALUES (?, ?, ?, ?, ?)",
              {queue_id, key, e.expires_ms, e.message_id, e.sequence_number}));
}

}  // namespace nimbus::sqs::queue_store
