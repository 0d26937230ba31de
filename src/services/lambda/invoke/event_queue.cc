#include "services/lambda/invoke/event_queue.h"

#include <array>

#include <utility>  // boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/ids.h"
#include "services/lambda/invoke/data_plane_impl.h"
#include "services/lambda/invoke/destinations.h"

namespace nimbus::lambda {

namespace asio = boost::asio;

namespace {
const std::array<store::Migration, 1> kMigrations = {{
    {1, "event queue",
     "CREATE TABLE lambda_events ("
     " id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, region TEXT NOT NULL,"
     " function_name TEXT NOT NULL, qualifier TEXT NOT NULL, invoked_arn TEXT NOT NULL,"
     " request_id TEXT NOT NULL, payload BLOB NOT NULL, enqueued_ms INTEGER NOT NULL,"
     " attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL);"
     "CREATE INDEX lambda_events_due ON lambda_events(next_ms);"},
}};
constexpr int kThrottleRetryMs = 1000;
}  // namespace

struct EventQueue::Event {
  int64_t id = 0;
  std::string account_id, region, function_name, qualifier, invoked_arn, request_id, payload;
  int64_t enqueued_ms = 0;
  int attempts = 0;
};

EventQueue::EventQueue(DataPlaneImpl& plane, store::Database& db, const Clock& clock,
                       int retry_base_seconds)
    : plane_(plane), db_(db), clock_(clock), retry_base_seconds_(retry_base_seconds) {}

Status EventQueue::Migrate() {
  NIMBUS_RETURN_IF_ERROR(db_.Migrate("lambda_events", kMigrations));
  return db_.Query("SELECT COUNT(*) FROM lambda_events", {}, [this](const store::Row& row) {
    pending_ = row.Int(0);
    return false;
  });
}

Status EventQueue::Enqueue(const ResolvedInvoke& target, const std::string& payload) {
  int64_t now = clock_.NowMillis();
  auto inserted = db_.Exec(
      "INSERT INTO lambda_events(account_id, region, function_name, qualifier, invoked_arn,"
      " request_id, payload, enqueued_ms, next_ms) VALUES(?,?,?,?,?,?,?,?,?)",
      {target.function->account_id, target.function->region, target.function->function_name,
       target.executed_version, target.invoked_arn, NewUuid(), store::BlobParam{payload}, now,
       now});
  if (!inserted.ok()) return inserted.error();
  ++pending_;
  return Status::Ok();
}

void EventQueue::Start(asio::io_context& loop) {
  asio::co_spawn(loop, Worker(), asio::detached);
}

void EventQueue::Reschedule(int64_t id, int attempts, int64_t next_ms) {
  (void)db_.Exec("UPDATE lambda_events SET attempts = ?, next_ms = ? WHERE id = ?",
                 {attempts, next_ms, id});
}

void EventQueue::Remove(int64_t id) {
  auto removed = db_.Exec("DELETE FROM lambda_events WHERE id = ?", {id});
  if (removed.ok() && *removed > 0) --pending_;
}

asio::awaitable<void> EventQueue::Worker() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping_) {
    timer.expires_after(std::chrono::milliseconds(50));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (pending_.load() <= 0 || stopping_) continue;
    std::vector<Event> due;
    Status st = db_.Query(
        "SELECT id, account_id, region, function_name, qualifier, invoked_arn, request_id,"
        " payload, enqueued_ms, attempts FROM lambda_events WHERE next_ms <= ?"
        " ORDER BY next_ms LIMIT 64",
        {clock_.NowMillis()}, [&](const store::Row& row) {
          Event e;
          e.id = row.Int(0);
          e.account_id = row.Text(1);
          e.region = row.Text(2);
          e.function_name = row.Text(3);
          e.qualifier = row.Text(4);
          e.invoked_arn = row.Text(5);
          e.request_id = row.Text(6);
          e.payload = row.Blob(7);
          e.enqueued_ms = row.Int(8);
          e.attempts = static_cast<int>(row.Int(9));
          due.push_back(std::move(e));
          return true;
        });
    if (!st.ok()) continue;
    for (auto& e : due) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!running_.insert(e.id).second) continue;
      }
      asio::co_spawn(timer.get_executor(), Deliver(std::move(e)), asio::detached);
    }
  }
}

asio::awaitable<void> EventQueue::Deliver(Event e) {
  auto done = [this, id = e.id] {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(id);
  };
  auto resolved = plane_.deps().registry->ResolveInvoke(e.account_id, e.region, e.function_name,
                                                        e.qualifier);
  if (!resolved.ok()) {  // the function or version is gone: nothing left to run it
    Remove(e.id);
    done();
    co_return;
  }
  const EventInvokeConfig& config = resolved->function->event_invoke_config;
  int64_t now = clock_.NowMillis();
  auto record = [&](std::string condition, int invoke_count) {
    InvocationRecordInput r;
    r.request_id = e.request_id;
    r.function_arn = resolved->function->function_arn + ":" + resolved->executed_version;
    r.condition = std::move(condition);
    r.approximate_invoke_count = invoke_count;
    r.request_payload = e.payload;
    r.executed_version = resolved->executed_version;
    r.timestamp_ms = clock_.NowMillis();
    return r;
  };
  auto deliver = [&](const std::string& destination, const InvocationRecordInput& r) {
    if (destination.empty()) return;
    DeliverToDestination(*plane_.deps().registry, *this, e.account_id, e.region, destination,
                         InvocationRecord(r));
  };
  if (now - e.enqueued_ms > int64_t{config.maximum_event_age_seconds} * 1000) {
    Remove(e.id);  // too old: dropped (to the on-failure destination, if any)
    deliver(config.on_failure_destination, record("EventAgeExceeded", e.attempts));
    done();
    co_return;
  }
  auto inv = std::make_shared<Invocation>();
  inv->request_id = e.request_id;
  inv->fn = resolved->function;
  inv->invoked_arn = e.invoked_arn;
  inv->executed_version = resolved->executed_version;
  inv->payload = e.payload;
  inv->trace_id = "Root=1-00000000-" + RandomHex(24) + ";Parent=" + RandomHex(16) + ";Sampled=0";
  inv->done = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  auto ran = co_await plane_.Run(inv);
  if (!ran.ok()) {  // throttled or no environment: back on the queue with backoff
    Reschedule(e.id, e.attempts, clock_.NowMillis() + kThrottleRetryMs);
  } else if (inv->function_error && e.attempts < config.maximum_retry_attempts) {
    int64_t delay_ms = int64_t{retry_base_seconds_} * 1000 * (e.attempts + 1);
    Reschedule(e.id, e.attempts + 1, clock_.NowMillis() + delay_ms);
  } else {
    Remove(e.id);
    InvocationRecordInput r = record(inv->function_error ? "RetriesExhausted" : "Success",
                                     e.attempts + 1);
    r.has_response = true;
    r.function_error = inv->function_error;
    r.response_payload = inv->result;
    deliver(inv->function_error ? config.on_failure_destination : config.on_success_destination,
            r);
  }
  done();
}

}  // namespace nimbus::lambda
