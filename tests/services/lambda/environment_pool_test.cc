// Scheduling onto execution environments without sandboxes: a new environment per concurrent
// invocation, warm reuse of an idle one of the same version and generation only, the
// preference for a thawed one and then one on the caller's loop, reserved and account
// concurrency throttling with AWS's reasons, and the counts given back.
#include "services/lambda/invoke/environment_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace nimbus::lambda {
namespace {

std::shared_ptr<const FunctionSnapshot> Function(const std::string& name, uint64_t generation = 1,
                                                 std::optional<int> reserved = std::nullopt) {
  auto fn = std::make_shared<FunctionSnapshot>();
  fn->function_name = name;
  fn->account_key = "123456789012/us-east-1";
  fn->function_key = fn->account_key + "/" + name;
  fn->version_key = fn->function_key + "/$LATEST";
  fn->generation = generation;
  fn->reserved_concurrency = reserved;
  return fn;
}

std::shared_ptr<Invocation> Inv(std::shared_ptr<const FunctionSnapshot> fn) {
  auto inv = std::make_shared<Invocation>();
  inv->fn = std::move(fn);
  inv->executed_version = "$LATEST";
  return inv;
}

class EnvironmentPoolTest : public ::testing::Test {
 protected:
  // An invocation's end as the data plane records it: idle again, its concurrency given back.
  void Finish(const std::shared_ptr<Environment>& env) {
    pool.Release(*env->current);
    env->current.reset();
    env->state = Environment::State::kIdle;
  }

  std::set<const Environment*> frozen;
  EnvironmentPool pool{3, [this](const Environment& e) { return frozen.count(&e) > 0; }};
  std::shared_ptr<const FunctionSnapshot> fn = Function("fn");
};

TEST_F(EnvironmentPoolTest, ConcurrentInvocationsGetEnvironmentsOfTheirOwn) {
  auto a = pool.Assign(Inv(fn), 0);
  auto b = pool.Assign(Inv(fn), 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->fresh && b->fresh);
  EXPECT_NE(a->env, b->env);
  EXPECT_EQ(a->env->pool_key, fn->version_key);
  EXPECT_EQ(a->env->loop, 0u);
  EXPECT_EQ(b->env->loop, 1u);
  EXPECT_EQ(a->env->state, Environment::State::kStarting);
  EXPECT_EQ(pool.FunctionBusy(fn->function_key), 2);
  EXPECT_EQ(pool.AccountBusy(fn->account_key), 2);
  EXPECT_EQ(pool.All().size(), 2u);
}

TEST_F(EnvironmentPoolTest, AnIdleEnvironmentIsReusedAndMarkedBusy) {
  auto inv = Inv(fn);
  auto a = pool.Assign(inv, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->env->current, inv);
  Finish(a->env);
  EXPECT_EQ(pool.FunctionBusy(fn->function_key), 0);
  auto again = Inv(fn);
  auto b = pool.Assign(again, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->fresh);
  EXPECT_EQ(b->env, a->env);
  EXPECT_EQ(b->env->state, Environment::State::kBusy);
  EXPECT_EQ(b->env->current, again);
  EXPECT_FALSE(b->env->delivered);
}

TEST_F(EnvironmentPoolTest, ANewGenerationOrARetiredEnvironmentIsNotReused) {
  auto a = pool.Assign(Inv(fn), 0);
  ASSERT_TRUE(a.ok());
  Finish(a->env);
  auto b = pool.Assign(Inv(Function("fn", 2)), 0);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->fresh);
  Finish(b->env);
  b->env->retired = true;
  auto c = pool.Assign(Inv(Function("fn", 2)), 0);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->fresh);
  EXPECT_NE(c->env, b->env);
}

TEST_F(EnvironmentPoolTest, PrefersThawedThenTheCallersLoop) {
  std::vector<std::shared_ptr<Environment>> envs;
  for (size_t loop : {0, 1, 1}) {
    auto a = pool.Assign(Inv(fn), loop);
    ASSERT_TRUE(a.ok());
    envs.push_back(a->env);
  }
  for (auto& e : envs) Finish(e);
  frozen.insert(envs[1].get());
  // On loop 1: envs[2] is thawed and on the loop.
  auto a = pool.Assign(Inv(fn), 1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->env, envs[2]);
  EXPECT_FALSE(a->frozen);
  // On loop 1 again: a thawed one of another loop (envs[0]) beats a frozen one on it.
  auto b = pool.Assign(Inv(fn), 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->env, envs[0]);
  // Only the frozen one is left: it is taken, and the caller is told to thaw it.
  auto c = pool.Assign(Inv(fn), 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->env, envs[1]);
  EXPECT_TRUE(c->frozen);
  EXPECT_FALSE(c->fresh);
}

TEST_F(EnvironmentPoolTest, ReservedAndAccountConcurrencyThrottle) {
  auto limited = Function("limited", 1, 1);
  auto first = pool.Assign(Inv(limited), 0);
  ASSERT_TRUE(first.ok());
  auto refused = pool.Assign(Inv(limited), 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "TooManyRequestsException");
  EXPECT_EQ(refused.error().http_status, 429);
  EXPECT_EQ(refused.error().fields.at("Reason"),
            "ReservedFunctionConcurrentInvocationLimitExceeded");
  auto zero = pool.Assign(Inv(Function("none", 1, 0)), 0);
  EXPECT_FALSE(zero.ok());
  // The account's 3: one is held by `limited`.
  ASSERT_TRUE(pool.Assign(Inv(fn), 0).ok());
  ASSERT_TRUE(pool.Assign(Inv(fn), 0).ok());
  auto account = pool.Assign(Inv(fn), 0);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.error().fields.at("Reason"), "ConcurrentInvocationLimitExceeded");
  Finish(first->env);
  EXPECT_TRUE(pool.Assign(Inv(fn), 0).ok());
}

TEST_F(EnvironmentPoolTest, IdleThawedEnvironmentsOfTheLoopFreezeOnceIdleLongEnough) {
  using std::chrono::milliseconds;
  const auto now = std::chrono::steady_clock::now();
  EnvironmentPool wide{10, [this](const Environment& e) { return frozen.count(&e) > 0; }};
  std::vector<std::shared_ptr<Environment>> envs;
  for (size_t loop : {0, 0, 0, 0, 1}) {
    auto a = wide.Assign(Inv(fn), loop);
    ASSERT_TRUE(a.ok());
    envs.push_back(a->env);
  }
  for (auto& e : envs) {
    wide.Release(*e->current);
    e->current.reset();
    e->state = Environment::State::kIdle;
  }
  envs[0]->last_used = now - milliseconds(6);  // due
  envs[1]->last_used = now - milliseconds(2);  // due in 3 ms
  envs[2]->last_used = now - milliseconds(9);  // idle long enough, but frozen already
  frozen.insert(envs[2].get());
  envs[3]->last_used = now - milliseconds(9);  // busy again
  envs[3]->state = Environment::State::kBusy;
  envs[4]->last_used = now - milliseconds(9);  // another loop's
  auto plan = wide.DueForFreeze(0, now, milliseconds(5));
  ASSERT_EQ(plan.due.size(), 1u);
  EXPECT_EQ(plan.due[0], envs[0]);
  ASSERT_TRUE(plan.next.has_value());
  EXPECT_EQ(*plan.next, envs[1]->last_used + milliseconds(5));
  auto other = wide.DueForFreeze(1, now, milliseconds(5));
  ASSERT_EQ(other.due.size(), 1u);
  EXPECT_EQ(other.due[0], envs[4]);
  EXPECT_FALSE(other.next.has_value());
}

TEST_F(EnvironmentPoolTest, RemovedEnvironmentsAreGoneAndAllFiltersByPrefix) {
  auto a = pool.Assign(Inv(fn), 0);
  auto other = Function("other");
  auto b = pool.Assign(Inv(other), 0);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(pool.All(fn->function_key + "/").size(), 1u);
  pool.Remove(a->env);
  pool.Remove(a->env);  // twice is harmless
  EXPECT_TRUE(pool.All(fn->function_key + "/").empty());
  int seen = 0;
  pool.ForEach([&](const std::shared_ptr<Environment>& env) {
    EXPECT_EQ(env, b->env);
    ++seen;
  });
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace nimbus::lambda
