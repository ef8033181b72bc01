#pragma once
// Host keys of a new box, verified for real. cloud-init prints the box's SSH host keys on its
// serial console (the "-----BEGIN SSH HOST KEY KEYS-----" block) near the end of first boot,
// minutes after EC2 says running. `up` polls GetConsoleOutput until the block appears, pins every
// key in gpubox's known_hosts, and ssh then connects with StrictHostKeyChecking=yes, so the first
// connection already refuses a server whose key the console did not print. When no keys appear in
// time, `up` asks on a terminal; without one (or with --yes) it refuses unless the user accepted
// trust-on-first-use.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/filesystem.hpp"
#include "core/progress.hpp"
#include "state/box_store.hpp"

namespace gpubox::box {

// How `up` treats host keys.
struct HostKeyPolicy {
  std::chrono::seconds timeout{600};  // how long to wait for the console's key block
  bool trust_first_use = false;       // --trust-first-use: accept an unverified key when none came
  // Ask the person a yes/no question; empty when nobody can be asked (no terminal, --yes).
  std::function<bool(const std::string& question)> ask;
};

// Poll GetConsoleOutput (Latest=true) for `instance_id` with backoff (1 s doubling to 10 s)
// until the key block appears or `timeout` passes; return its keys ("<type> <base64>", every
// type printed), or an empty list on timeout. `progress` gets one line when the wait starts and
// an empty line per poll.
Result<std::vector<std::string>> wait_console_host_keys(aws::AwsClient& client, Clock& clock,
                                                        std::string_view region,
                                                        std::string_view instance_id,
                                                        std::chrono::seconds timeout,
                                                        ProgressSink& progress = null_progress());

// Decide what to do when the console printed no keys within the policy's timeout: ok (trust on
// first use) when the policy allows it or the person says yes, else an Error that says the box
// is running and how to go on.
Result<void> accept_unverified_host(const HostKeyPolicy& policy, std::string_view name,
                                    std::chrono::seconds waited);

// For a running AWS box whose host keys were never pinned (`up --wait running` returned before
// the console printed them; a box found by its tags): read the console once and, when the key
// block is there, pin every key and mark `box` pinned in `store`, so this first connection is
// already checked strictly. Return whether the box is pinned now (false: still unverified).
Result<bool> pin_from_console_once(aws::AwsClient& client, Clock& clock, state::BoxStore& store,
                                   FileSystem& fs, const std::filesystem::path& known_hosts,
                                   state::Box& box, ProgressSink& progress = null_progress());

// Return whether ssh's stderr says the server's host key is not the pinned one.
bool is_host_key_mismatch(std::string_view ssh_stderr);

}  // namespace gpubox::box
