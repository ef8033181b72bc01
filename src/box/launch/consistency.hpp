#pragma once
// EC2 is eventually consistent ("Eventual consistency" in the EC2 API guide): right after gpubox
// creates a security group, key pair or instance, a call that names it may answer *.NotFound for
// a few seconds. retry_fresh retries exactly those answers, with backoff up to about a minute,
// and is used only for calls about a resource gpubox itself has just created: a NotFound there
// means "not visible yet", never "gone", so it must not lead to cleaning anything up.

#include <chrono>
#include <string_view>
#include <type_traits>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace gpubox::box {

// How long to keep asking for a resource that was just created.
struct ConsistencyPolicy {
  Duration first_delay = std::chrono::milliseconds(250);
  Duration max_delay = std::chrono::seconds(8);
  Duration total = std::chrono::seconds(60);  // the sum of all sleeps stays under this
};

// Return whether `error` is EC2 not seeing a resource yet: InvalidGroup.NotFound,
// InvalidKeyPair.NotFound, InvalidInstanceID.NotFound (and the other *.NotFound codes of a
// resource named in the call).
bool is_not_visible_yet(const Error& error);

// Call `call()` until it succeeds, fails with something other than is_not_visible_yet, or
// `policy.total` of sleeping through `clock` has passed; return its last result.
template <typename Call>
auto retry_fresh(Clock& clock, Call&& call, const ConsistencyPolicy& policy = {})
    -> std::invoke_result_t<Call&> {
  Duration slept{0};
  Duration delay = policy.first_delay;
  while (true) {
    auto result = call();
    if (result || !is_not_visible_yet(result.error()) || slept + delay > policy.total) {
      return result;
    }
    clock.sleep_for(delay);
    slept += delay;
    delay = std::min(delay * 2, policy.max_delay);
  }
}

}  // namespace gpubox::box
