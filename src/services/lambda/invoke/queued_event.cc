#include "services/lambda/invoke/queued_event.h"

#include <vector>

#include "protocol/call.h"

namespace nimbus::lambda {
namespace {

std::optional<std::string> StringField(const Value& header, const char* key) {
  auto it = header.find(key);
  if (it == header.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::string EncodeQueuedEvent(const QueuedEvent& e) {
  Value header{{"a", e.account_id}, {"r", e.region},      {"f", e.function_name},
               {"q", e.qualifier},  {"i", e.invoked_arn}, {"id", e.request_id},
               {"t", e.enqueued_ms}};
  // dump() escapes newlines inside strings, so the first newline ends the header.
  return header.dump(-1, ' ', false, Value::error_handler_t::replace) + "\n" + e.payload;
}

std::optional<QueuedEvent> DecodeQueuedEvent(std::string_view encoded) {
  size_t newline = encoded.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  Value header = Value::parse(encoded.substr(0, newline), nullptr, false);
  if (!header.is_object()) return std::nullopt;
  auto account = StringField(header, "a"), region = StringField(header, "r"),
       function = StringField(header, "f"), qualifier = StringField(header, "q"),
       invoked = StringField(header, "i"), request = StringField(header, "id");
  auto enqueued = header.find("t");
  if (!account || !region || !function || !qualifier || !invoked || !request ||
      enqueued == header.end() || !enqueued->is_number_integer()) {
    return std::nullopt;
  }
  QueuedEvent e;
  e.account_id = std::move(*account);
  e.region = std::move(*region);
  e.function_name = std::move(*function);
  e.qualifier = std::move(*qualifier);
  e.invoked_arn = std::move(*invoked);
  e.request_id = std::move(*request);
  e.payload = std::string(encoded.substr(newline + 1));
  e.enqueued_ms = enqueued->get<int64_t>();
  return e;
}

Status MoveLegacyQueuedEvents(store::Database& db, store::WorkQueue& queue) {
  return db.Transaction([&]() -> Status {
    bool exists = false;
    NIMBUS_RETURN_IF_ERROR(
        db.Query("SELECT 1 FROM sqlite_master WHERE type='table' AND name='lambda_events'", {},
                 [&](const store::Row&) {
                   exists = true;
                   return false;
                 }));
    if (!exists) return Status::Ok();
    struct Legacy {
      QueuedEvent event;
      int attempts;
      int64_t due_ms;
    };
    std::vector<Legacy> rows;
    NIMBUS_RETURN_IF_ERROR(db.Query(
        "SELECT account_id, region, function_name, qualifier, invoked_arn, request_id, payload,"
        " enqueued_ms, attempts, next_ms FROM lambda_events ORDER BY id",
        {}, [&](const store::Row& row) {
          rows.push_back({QueuedEvent{row.Text(0), row.Text(1), row.Text(2), row.Text(3),
                                      row.Text(4), row.Text(5), row.Blob(6), row.Int(7)},
                          static_cast<int>(row.Int(8)), row.Int(9)});
          return true;
        }));
    for (const Legacy& row : rows) {
      auto id = queue.Enqueue(kEventQueueName, EncodeQueuedEvent(row.event), row.due_ms);
      if (!id.ok()) return id.error();
      if (row.attempts > 0) {
        NIMBUS_RETURN_IF_ERROR(queue.Retry(*id, row.attempts, row.due_ms));
      }
    }
    auto dropped = db.Exec("DROP TABLE lambda_events");
    if (!dropped.ok()) return dropped.error();
    auto forgotten = db.Exec("DELETE FROM schema_migrations WHERE module = 'lambda_events'");
    return forgotten.ok() ? Status::Ok() : forgotten.error();
  });
}

}  // namespace nimbus::lambda
