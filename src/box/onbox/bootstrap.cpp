#include "box/onbox/bootstrap.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "box/onbox/onbox_files.hpp"
#include "core/crypto.hpp"
#include "core/paths.hpp"
#include "core/strings.hpp"

namespace gpubox::box {
namespace {

// Where user-data unpacks the scripts: bootstrap.sh finds them next to itself in PREFIX/bin and
// leaves them in place, so later runs over ssh (`sudo bash .../bootstrap.sh`) find the same tree.
constexpr std::string_view k_aws_prefix = "/opt/gpubox";

bool valid_token(std::string_view token) {
  return token.size() >= 16 && std::ranges::all_of(token, [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

std::string number(double value) { return fmt::format("{}", value); }

// Return `bytes` base64-encoded in lines of 76 characters, each ending in a newline.
std::string wrapped_base64(std::string_view bytes) {
  std::string encoded = base64_encode(bytes);
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += 76) {
    out += encoded.substr(i, 76);
    out += '\n';
  }
  return out;
}

// `needs_token`: runs over ssh carry the token; user-data never does.
Result<void> validate(const BootstrapOptions& options, bool needs_token = true) {
  if ((needs_token || !options.jupyter_token.empty()) && !valid_token(options.jupyter_token)) {
    return fail(ErrorKind::internal,
                "the Jupyter token must be at least 16 letters, digits, - or _");
  }
  if (options.budget_usd > 0 && options.price_per_hour_usd <= 0) {
    return fail(ErrorKind::invalid_input, "a budget needs the box's price per hour");
  }
  if (options.idle_minutes < 0) {
    return fail(ErrorKind::invalid_input, "invalid idle minutes");
  }
  return {};
}

}  // namespace

std::vector<std::string> bootstrap_args(const BootstrapOptions& options) {
  std::vector<std::string> args{"--mode", options.byo ? "byo" : "aws"};
  args.insert(args.end(), {"--idle", options.idle_minutes > 0 ? std::to_string(options.idle_minutes)
                                                              : std::string("off")});
  if (options.max_hours > 0) {
    args.insert(args.end(), {"--max-hours", number(options.max_hours)});
  }
  if (options.budget_usd > 0 && options.price_per_hour_usd > 0) {
    args.insert(args.end(), {"--budget", number(options.budget_usd), "--price",
                             number(options.price_per_hour_usd)});
  }
  if (!options.run_user.empty()) {
    args.insert(args.end(), {"--user", options.run_user});
  }
  if (options.byo && options.idle_shutdown) {
    args.insert(args.end(), {"--idle-action", "shutdown"});
  }
  if (options.install_jupyter) {
    args.emplace_back("--install-jupyter");
  }
  return args;
}

Result<std::string> build_user_data(const BootstrapOptions& options) {
  GPUBOX_TRY(validate(options, false));
  if (!options.jupyter_token.empty()) {
    // User-data is readable by every process on the box (IMDS) and by anyone allowed
    // ec2:DescribeInstanceAttribute: the token travels over ssh instead (deliver_token).
    return fail(ErrorKind::internal, "the Jupyter token must not go into user-data");
  }
  const std::string prefix(k_aws_prefix);
  std::string script =
      "#!/bin/bash\n"
      "# gpubox: unpack the bootstrap and its watchdog, then run it as root. Jupyter starts once\n"
      "# gpubox delivers its token over ssh; the token is never in user-data.\n"
      "set -u\numask 022\n"
      "mkdir -p " +
      prefix + "/bin " + prefix +
      "/etc\n"
      "base64 -d <<'GPUBOX_ARCHIVE' | tar --no-same-owner -xzf - -C " +
      prefix + "/bin || { echo 'gpubox: cannot unpack the bootstrap' >&2; exit 1; }\n";
  script += wrapped_base64(userdata_archive());
  script += "GPUBOX_ARCHIVE\n";
  std::vector<std::string> argv{"bash", prefix + "/bin/bootstrap.sh"};
  for (std::string& a : bootstrap_args(options)) {
    argv.push_back(std::move(a));
  }
  script += shell_join(argv) + "\n";
  if (script.size() > k_user_data_limit) {
    return fail(ErrorKind::internal,
                fmt::format("the user-data is {} bytes, over EC2's limit of {}", script.size(),
                            k_user_data_limit));
  }
  return script;
}

std::string deliver_token_command(const BootstrapOptions& options) {
  // The bootstrap that user-data ran left PREFIX/etc/watchdog.json; run it again with the token
  // on stdin (it starts Jupyter). Without an installed bootstrap, only store the token (0600).
  std::string args = shell_join(bootstrap_args(options));
  // User-data's run may still be starting when sshd answers: wait up to 15 minutes for it (or
  // for its result, when it failed before it could write its settings).
  return "P=; for i in $(seq 1 450); do for d in " + std::string(k_aws_prefix) +
         " \"$HOME/.gpubox\"; do if [ -f \"$d/etc/watchdog.json\" ] || [ -f "
         "\"$d/run/bootstrap.json\" ]; then P=$d; break 2; fi; done; sleep 2; done; "
         "[ -n \"$P\" ] || { echo 'gpubox bootstrap has not run here' >&2; exit 3; }; "
         "[ -f \"$P/etc/watchdog.json\" ] || { echo 'gpubox bootstrap failed before it could "
         "take the token' >&2; exit 4; }; "
         "S=; if [ \"$(id -u)\" != 0 ] && [ ! -w \"$P/etc\" ]; then S='sudo -n'; fi; umask 077; "
         "if [ -f \"$P/bin/bootstrap.sh\" ]; then $S bash \"$P/bin/bootstrap.sh\" --token-file "
         "/dev/stdin " +
         args +
         "; else $S sh -c 'cat >\"$1.new\" && mv \"$1.new\" \"$1\"' gpubox "
         "\"$P/etc/jupyter_token\"; fi";
}

Result<void> deliver_token(ProcessRunner& runner, const remote::SshTarget& target,
                           const BootstrapOptions& options) {
  GPUBOX_TRY(validate(options));
  RunOptions run;
  run.stdin_text = options.jupyter_token + "\n";
  run.timeout = std::chrono::minutes(3);
  GPUBOX_TRY_ASSIGN(result, remote::ssh_run(runner, target, {deliver_token_command(options)}, run));
  if (result.exit_code != 0) {
    Error e;
    e.kind = ErrorKind::remote;
    e.message = fmt::format("could not hand the Jupyter token to {} over ssh (exit {}): {}",
                            target.name, result.exit_code, trim(result.stderr_text));
    e.hint = "`gpubox notebook " + target.name + "` delivers it and starts Jupyter";
    return fail(std::move(e));
  }
  return {};
}

BootstrapOptions bootstrap_options_for(const state::Box& box, std::string token) {
  BootstrapOptions o;
  o.jupyter_token = std::move(token);
  o.byo = box.kind == state::BoxKind::byo;
  o.idle_minutes = box.idle_minutes;
  o.max_hours = box.max_hours;
  o.budget_usd = box.price_per_hour_usd > 0 ? box.budget_usd : 0;
  o.price_per_hour_usd = box.price_per_hour_usd;
  o.idle_shutdown = o.byo && box.idle_minutes > 0;  // a byo box has an idle timer only on request
  o.install_jupyter = !o.byo;
  return o;
}

std::string new_jupyter_token() { return hex_encode(random_bytes(24)); }

std::filesystem::path jupyter_token_path(const std::filesystem::path& data_dir,
                                         std::string_view name) {
  return data_dir / "tokens" / std::string(name);
}

Result<std::string> ensure_jupyter_token(FileSystem& files, const std::filesystem::path& path) {
  auto existing = files.read_file(path);
  if (existing) {
    std::string token(trim(*existing));
    if (valid_token(token)) {
      return token;
    }
  } else if (existing.error().kind != ErrorKind::not_found) {
    return fail(existing.error());
  }
  GPUBOX_TRY(files.ensure_private_dir(path.parent_path()));
  std::string token = new_jupyter_token();
  GPUBOX_TRY(files.write_file_atomic(path, token + "\n", 0600));
  return token;
}

std::string bootstrap_remote_command(const BootstrapOptions& options, bool use_sudo) {
  // ~ stays unquoted so the remote shell expands it; every other word is quoted.
  const std::string dir = "~/" + std::string(k_remote_onbox_dir);
  const std::string token_in = dir + "/jupyter_token.in";
  std::vector<std::string> argv{"bash"};
  if (use_sudo) {
    argv.insert(argv.begin(), {"sudo", "-n"});
  }
  std::string command = "umask 077 && cat >" + token_in + " && umask 022 && " + shell_join(argv) +
                        " " + dir + "/bootstrap.sh --token-file " + token_in;
  std::string args = shell_join(bootstrap_args(options));
  std::string autostart;
  if (options.byo) {
    // Without systemd (the usual non-root login), the services run under nohup: a crontab
    // @reboot line brings them back after a reboot, with these settings. Best effort.
    autostart = "; [ $rc = 0 ] && { bash " + dir + "/autostart.sh install " + args + " || true; }";
  }
  return command + " " + args + "; rc=$?; rm -f " + token_in + autostart + "; exit $rc";
}

Result<void> run_bootstrap(ProcessRunner& runner, const remote::SshTarget& target,
                           const BootstrapOptions& options, bool use_sudo) {
  GPUBOX_TRY(validate(options));
  GPUBOX_TRY(upload_onbox_files(runner, target));
  RunOptions run;
  run.stdin_text = options.jupyter_token + "\n";
  run.timeout = std::chrono::minutes(options.install_jupyter ? 8 : 3);
  GPUBOX_TRY_ASSIGN(
      result, remote::ssh_run(runner, target, {bootstrap_remote_command(options, use_sudo)}, run));
  if (result.exit_code != 0) {
    return fail(ErrorKind::remote,
                fmt::format("the bootstrap failed on {} (exit {}): {}", target.name,
                            result.exit_code, trim(result.stderr_text)),
                "its log is ~/.gpubox/log/bootstrap.log (or /opt/gpubox/log) on the box");
  }
  return {};
}

}  // namespace gpubox::box
