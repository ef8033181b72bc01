#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"
#include "fakes/temp_dir.hpp"
#include "state/box_store.hpp"

namespace gpubox::state {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

BoxStore memory_store() {
  auto store = BoxStore::open_memory();
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  return std::move(*store);
}

LaunchRequest request(std::string name, std::string region, TimePoint now) {
  std::string zone = region + "a";
  return LaunchRequest{std::move(name), std::move(region), std::move(zone), "g5.xlarge", now};
}

TEST(BeginLaunch, CreatesAPendingRecordWithAValidClientToken) {
  testing::FakeClock clock;
  BoxStore store = memory_store();
  auto rec = store.begin_launch(request("alpha", "us-east-1", clock.now()));
  ASSERT_TRUE(rec) << rec.error().message;
  EXPECT_EQ(rec->status, LaunchStatus::pending);
  EXPECT_EQ(rec->name, "alpha");
  EXPECT_EQ(rec->region, "us-east-1");
  EXPECT_EQ(rec->created_at, clock.now());
  EXPECT_TRUE(rec->client_token.starts_with("gpubox-"));
  EXPECT_LE(rec->client_token.size(), 64u) << "EC2 ClientTokens are at most 64 characters";
}

TEST(BeginLaunch, SecondCallReusesTheOpenRecordEvenForAnotherRegion) {
  testing::FakeClock clock;
  BoxStore store = memory_store();
  auto first = store.begin_launch(request("alpha", "us-east-1", clock.now()));
  clock.advance(milliseconds{5000});
  auto second = store.begin_launch(request("alpha", "eu-west-1", clock.now()));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->client_token, first->client_token);
  EXPECT_EQ(second->region, "us-east-1") << "a token is per region: resume where it was sent";
  EXPECT_EQ(second->created_at, first->created_at);
  EXPECT_EQ(store.launches("alpha")->size(), 1u);
}

TEST(BeginLaunch, LaunchedRecordKeepsItsTokenForRetries) {
  BoxStore store = memory_store();
  auto first = store.begin_launch(request("alpha", "us-east-1", {}));
  ASSERT_TRUE(first);
  ASSERT_TRUE(store.mark_launched(first->client_token, "i-0abc", "us-east-1c"));
  auto again = store.begin_launch(request("alpha", "us-east-1", {}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->client_token, first->client_token);
  EXPECT_EQ(again->status, LaunchStatus::launched);
  EXPECT_EQ(again->instance_id, "i-0abc");
  EXPECT_EQ(again->zone, "us-east-1c");
}

TEST(BeginLaunch, FailedOrEndedLaunchGetsAFreshToken) {
  BoxStore store = memory_store();
  auto first = store.begin_launch(request("alpha", "us-east-1", {}));
  ASSERT_TRUE(first);
  ASSERT_TRUE(store.mark_launch_failed(first->client_token, "InsufficientInstanceCapacity"));
  auto second = store.begin_launch(request("alpha", "us-west-2", {}));
  ASSERT_TRUE(second);
  EXPECT_NE(second->client_token, first->client_token);
  EXPECT_EQ(second->region, "us-west-2");
  ASSERT_TRUE(store.end_launches("alpha"));
  auto third = store.begin_launch(request("alpha", "us-west-2", {}));
  ASSERT_TRUE(third);
  EXPECT_NE(third->client_token, second->client_token);
  auto all = store.launches("alpha");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].status, LaunchStatus::failed);
  EXPECT_EQ((*all)[0].error, "InsufficientInstanceCapacity");
  EXPECT_EQ((*all)[1].status, LaunchStatus::ended);
  EXPECT_EQ((*all)[2].status, LaunchStatus::pending);
}

TEST(BeginLaunch, RemovingTheBoxEndsItsLaunch) {
  BoxStore store = memory_store();
  Box box;
  box.name = "alpha";
  ASSERT_TRUE(store.insert_box(box));
  auto first = store.begin_launch(request("alpha", "us-east-1", {}));
  ASSERT_TRUE(first);
  ASSERT_TRUE(store.remove_box("alpha"));
  EXPECT_FALSE(store.find_box("alpha")->has_value());
  auto open = store.open_launch("alpha");
  ASSERT_TRUE(open);
  EXPECT_FALSE(open->has_value());
  auto next = store.begin_launch(request("alpha", "us-east-1", {}));
  ASSERT_TRUE(next);
  EXPECT_NE(next->client_token, first->client_token);
  EXPECT_EQ(store.remove_box("alpha").error().kind, ErrorKind::not_found);
}

TEST(BeginLaunch, DifferentNamesGetDifferentTokens) {
  BoxStore store = memory_store();
  auto a = store.begin_launch(request("alpha", "us-east-1", {}));
  auto b = store.begin_launch(request("beta", "us-east-1", {}));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->client_token, b->client_token);
}

TEST(BeginLaunch, MarkingAnUnknownTokenIsNotFound) {
  BoxStore store = memory_store();
  EXPECT_EQ(store.mark_launched("gpubox-nope", "i-1").error().kind, ErrorKind::not_found);
  EXPECT_EQ(store.mark_launch_failed("gpubox-nope", "x").error().kind, ErrorKind::not_found);
}

TEST(BeginLaunch, ACrashBeforeTheCallKeepsTheTokenAcrossProcesses) {
  testing::ScopedTempDir tmp;
  fs::path path = tmp.path() / "state.db";
  std::string token;
  {
    auto store = BoxStore::open(path);
    ASSERT_TRUE(store);
    auto rec = store->begin_launch(request("alpha", "us-east-1", {}));
    ASSERT_TRUE(rec);
    token = rec->client_token;
  }  // the process "dies" here, before RunInstances answered
  auto store = BoxStore::open(path);
  ASSERT_TRUE(store);
  auto rec = store->begin_launch(request("alpha", "us-east-1", {}));
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->client_token, token);
}

TEST(BeginLaunch, ConcurrentThreadsWithSeparateConnectionsShareOneRecord) {
  testing::ScopedTempDir tmp;
  fs::path path = tmp.path() / "state.db";
  ASSERT_TRUE(BoxStore::open(path));  // create the schema once, like an earlier command
  constexpr int k_threads = 8;
  std::vector<std::string> tokens(k_threads);
  std::vector<std::thread> threads;
  for (int i = 0; i < k_threads; ++i) {
    threads.emplace_back([&, i] {
      auto store = BoxStore::open(path);
      if (!store) {
        return;
      }
      auto rec = store->begin_launch(request("alpha", "us-east-1", {}));
      if (rec) {
        tokens[static_cast<size_t>(i)] = rec->client_token;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::set<std::string> distinct(tokens.begin(), tokens.end());
  EXPECT_EQ(distinct.size(), 1u);
  EXPECT_FALSE(tokens[0].empty());
  auto store = BoxStore::open(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->launches("alpha")->size(), 1u);
}

TEST(BeginLaunch, ConcurrentProcessesOnAFreshFileShareOneRecord) {
  testing::ScopedTempDir tmp;
  fs::path path = tmp.path() / "state.db";  // not created yet: the children race to migrate too
  constexpr int k_children = 6;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < k_children; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto store = BoxStore::open(path);
      auto rec = store ? store->begin_launch(request("alpha", "us-east-1", {}))
                       : Result<LaunchRecord>(fail(store.error()));
      std::string line = (rec ? rec->client_token : "ERR " + rec.error().message) + "\n";
      ssize_t n = ::write(fds[1], line.data(), line.size());
      ::_exit(n == static_cast<ssize_t>(line.size()) && rec ? 0 : 1);
    }
    children.push_back(pid);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  }
  std::set<std::string> distinct;
  size_t lines = 0;
  for (std::string_view rest = out; !rest.empty(); ++lines) {
    distinct.emplace(rest.substr(0, rest.find('\n')));
    rest.remove_prefix(rest.find('\n') + 1);
  }
  EXPECT_EQ(lines, static_cast<size_t>(k_children));
  ASSERT_EQ(distinct.size(), 1u) << out;
  EXPECT_TRUE(distinct.begin()->starts_with("gpubox-")) << out;
  auto store = BoxStore::open(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->launches("alpha")->size(), 1u);
}

TEST(Ledger, AppendsOnlyWhenTheStateChanges) {
  testing::FakeClock clock;
  BoxStore store = memory_store();
  auto record = [&](std::string state, std::string instance) {
    auto r = store.record_state_change(
        {"alpha", std::move(instance), std::move(state), clock.now(), 1.006});
    EXPECT_TRUE(r);
    clock.advance(milliseconds{60000});
    return r.value_or(false);
  };
  EXPECT_TRUE(record("pending", "i-1"));
  EXPECT_TRUE(record("running", "i-1"));
  EXPECT_FALSE(record("running", "i-1"));
  EXPECT_TRUE(record("stopped", "i-1"));
  EXPECT_TRUE(record("stopped", "i-2")) << "a new instance is a change even in the same state";
  auto entries = store.ledger("alpha");
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[1].state, "running");
  EXPECT_EQ((*entries)[1].at, TimePoint{std::chrono::seconds{1440590160}} + milliseconds{60000});
  EXPECT_EQ((*entries)[2].at - (*entries)[1].at, milliseconds{120000})
      << "the unchanged observation must not move the change time";
  EXPECT_DOUBLE_EQ((*entries)[3].price_per_hour_usd, 1.006);
}

TEST(Ledger, KeepsBoxesApartAndListsAllWhenNoNameGiven) {
  BoxStore store = memory_store();
  ASSERT_TRUE(store.record_state_change({"alpha", "i-1", "running", {}, 1}));
  ASSERT_TRUE(store.record_state_change({"beta", "i-2", "running", {}, 2}));
  auto same = store.record_state_change({"beta", "i-2", "running", {}, 2});
  ASSERT_TRUE(same);
  EXPECT_FALSE(*same);
  EXPECT_EQ(store.ledger("alpha")->size(), 1u);
  EXPECT_EQ(store.ledger("beta")->size(), 1u);
  auto all = store.ledger();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].name, "beta");
}

TEST(LaunchParams, TheFirstParametersStoredWinAndSurviveReopening) {
  testing::ScopedTempDir tmp;
  const auto path = tmp.path() / "state.db";
  std::string token;
  {
    auto store = BoxStore::open(path);
    ASSERT_TRUE(store);
    auto rec = store->begin_launch(request("lab", "us-east-1", TimePoint{}));
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->params, "");
    token = rec->client_token;
    EXPECT_EQ(store->fix_launch_params(token, R"([["A","1"]])").value_or(""), R"([["A","1"]])");
    EXPECT_EQ(store->fix_launch_params(token, R"([["A","2"]])").value_or(""), R"([["A","1"]])");
  }
  auto again = BoxStore::open(path);
  ASSERT_TRUE(again);
  auto open = again->open_launch("lab");
  ASSERT_TRUE(open && *open);
  EXPECT_EQ((*open)->params, R"([["A","1"]])");
  EXPECT_FALSE(again->fix_launch_params("gpubox-nope", "[]"));
}

}  // namespace
}  // namespace gpubox::state
