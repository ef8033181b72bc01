#include "box/launch/host_keys.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "aws/ec2_instances.hpp"
#include "box/access/known_hosts.hpp"
#include "core/log.hpp"

namespace gpubox::box {

Result<std::vector<std::string>> wait_console_host_keys(aws::AwsClient& client, Clock& clock,
                                                        std::string_view region,
                                                        std::string_view instance_id,
                                                        std::chrono::seconds timeout,
                                                        ProgressSink& progress) {
  const TimePoint start = clock.now();
  Duration delay = std::chrono::seconds(1);
  bool announced = false;
  while (true) {
    auto console = aws::get_console_output(client, region, {std::string(instance_id), true});
    if (console) {
      auto keys = parse_console_host_keys(console->text);
      if (!keys.empty()) {
        return keys;
      }
    } else if (console.error().kind != ErrorKind::not_found) {
      return fail(console.error());  // NotFound: the new instance is not visible yet
    }
    const auto waited = std::chrono::duration_cast<Duration>(clock.now() - start);
    if (waited + delay > timeout) {
      return std::vector<std::string>{};
    }
    if (announced) {
      progress.tick();
    } else {
      progress.phase(fmt::format("waiting for {}'s SSH host keys on its console (cloud-init "
                                 "prints them late in the first boot)",
                                 instance_id),
                     timeout);
      announced = true;
    }
    clock.sleep_for(delay);
    delay = std::min<Duration>(delay * 2, std::chrono::seconds(10));
  }
}

Result<void> accept_unverified_host(const HostKeyPolicy& policy, std::string_view name,
                                    std::chrono::seconds waited) {
  const std::string why = fmt::format(
      "{}'s console printed no SSH host keys in {} s, so its host key cannot be "
      "verified",
      name, waited.count());
  if (policy.trust_first_use) {
    return {};
  }
  if (policy.ask && policy.ask(why + ". Trust the key it presents on the first connection?")) {
    return {};
  }
  return fail(ErrorKind::auth, why + "; not connecting (the box is running)",
              fmt::format("to trust the key it presents, connect once with `gpubox ssh {}` "
                          "(or pass --trust-first-use to `up` next time); remove the box with "
                          "`gpubox down {}`",
                          name, name));
}

bool is_host_key_mismatch(std::string_view ssh_stderr) {
  return ssh_stderr.find("REMOTE HOST IDENTIFICATION HAS CHANGED") != std::string_view::npos ||
         ssh_stderr.find("Host key verification failed") != std::string_view::npos;
}

Result<bool> pin_from_console_once(aws::AwsClient& client, Clock& clock, state::BoxStore& store,
                                   FileSystem& fs, const std::filesystem::path& known_hosts,
                                   state::Box& box, ProgressSink& progress) {
  if (box.kind != state::BoxKind::aws || box.host_key_pinned || box.instance_id.empty() ||
      box.state != "running") {
    return box.host_key_pinned;
  }
  GPUBOX_TRY_ASSIGN(keys, wait_console_host_keys(client, clock, box.region, box.instance_id,
                                                 std::chrono::seconds(0)));
  if (keys.empty()) {
    return false;
  }
  GPUBOX_TRY(pin_host_keys(fs, known_hosts, box.name, keys));
  box.host_key_pinned = true;
  GPUBOX_TRY(store.update_box(box));
  progress.say(
      fmt::format("pinned the host keys of {} from its console before connecting", box.name));
  return true;
}

}  // namespace gpubox::box
