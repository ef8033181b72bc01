// gpubox doctor: check the local setup and print PASS/WARN/FAIL with the fix for each.

#include "cli/cmd_doctor.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <ostream>

#include <fmt/format.h>

#include "aws/client.hpp"
#include "aws/credentials.hpp"
#include "aws/settings.hpp"
#include "box/account.hpp"
#include "box/launch/up.hpp"
#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "cli/doctor.hpp"
#include "cli/user_config.hpp"
#include "core/paths.hpp"

namespace gpubox::cli {
namespace {

CheckResult key_check(Env& env) {
  std::string configured;
  if (auto cfg = load_config(config_path(env.getenv)); cfg && cfg->contains("key")) {
    configured = cfg->at("key");
  }
  auto key = box::default_public_key(env.home(), configured);
  if (!key) {
    return {"ssh key", CheckStatus::fail, key.error().message, key.error().hint};
  }
  std::string line;
  if (*key) {
    line = read_file(**key).value_or("");
  }
  return check_key(*key, line);
}

std::vector<CheckResult> aws_checks(Env& env) {
  auto ctx = env.aws();
  if (!ctx) {
    return {{"credentials", CheckStatus::fail, ctx.error().message, ctx.error().hint}};
  }
  const aws::Settings& settings = *(*ctx)->settings;
  // Identity and clock need some region to talk to; STS answers in every one.
  const std::string region = settings.region.empty() ? "us-east-1" : settings.region;
  std::string source;
  Result<std::string> arn = fail(ErrorKind::auth, "no credentials");
  if (auto me = box::whoami(*(*ctx)->client, *(*ctx)->credentials, settings); !me) {
    arn = fail(me.error());
  } else {
    source = me->credential_source;
    arn = me->arn;
  }
  return {check_credentials(arn, source), check_region(settings.region, settings.region_source),
          check_clock(box::aws_clock_skew(env.http, settings, region, env.clock.now()))};
}

std::vector<CheckResult> local_checks(Env& env) {
  std::vector<CheckResult> out;
  out.push_back(
      check_ssh_client(env.runner.run({"ssh", "-V"}, {.timeout = std::chrono::seconds(10)})));
  out.push_back(key_check(env));
  auto dir = gpubox::data_dir(env.getenv);
  if (dir) {
    struct stat st{};
    std::optional<unsigned> mode;
    if (::stat(dir->c_str(), &st) == 0) {
      mode = static_cast<unsigned>(st.st_mode);
    }
    out.push_back(check_data_dir(*dir, mode));
    const auto user_config = std::filesystem::path(env.home()) / ".ssh" / "config";
    auto text = read_file(user_config);
    out.push_back(check_ssh_include(text ? std::optional<std::string>(*text) : std::nullopt,
                                    *dir / "ssh_config", env.home()));
  } else {
    out.push_back({"GPUBOX_HOME", CheckStatus::fail, dir.error().message, dir.error().hint});
  }
  if (auto catalog = env.catalog(); catalog) {
    out.push_back(check_catalog_age((*catalog)->snapshot.generated_at, env.clock.now()));
  }
  return out;
}

void render(Env& env, const std::vector<CheckResult>& checks, bool json) {
  if (json) {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& c : checks) {
      doc.push_back({{"check", c.name},
                     {"status", status_name(c.status)},
                     {"detail", c.detail},
                     {"fix", c.fix}});
    }
    print_json(env.streams, doc);
    return;
  }
  size_t width = 0;
  for (const auto& c : checks) {
    width = std::max(width, c.name.size());
  }
  for (const auto& c : checks) {
    env.streams.out << fmt::format("{}  {:<{}}  {}\n", paint(env.streams, status_name(c.status)),
                                   c.name, width, c.detail);
    if (!c.fix.empty()) {
      env.streams.out << fmt::format("      {:<{}}  fix: {}\n", "", width, c.fix);
    }
  }
}

}  // namespace

Result<void> run_doctor(const DoctorOptions& opts, Env& env) {
  std::vector<CheckResult> checks = local_checks(env);
  for (auto& c : aws_checks(env)) {
    checks.push_back(std::move(c));
  }
  render(env, checks, opts.json);
  env.exit_code = doctor_exit_code(checks);
  return {};
}

void add_doctor_command(CLI::App& app, Env& env) {
  auto opts = std::make_shared<DoctorOptions>();
  auto* cmd = app.add_subcommand("doctor", "Check the local setup: ssh, key, credentials, clock");
  set_details(cmd,
              "Check the ssh client, the key `up` would import, the AWS credentials and region, "
              "the clock against AWS's, the ssh Include, the data directory's permissions and "
              "the price catalog's age. Each line is PASS, WARN or FAIL with the fix; the exit "
              "status is 1 when any check fails.");
  cmd->footer(
      "Examples:\n  gpubox doctor\n  gpubox doctor --json | jq '.[] | select(.status != "
      "\"PASS\")'");
  cmd->add_flag("--json", opts->json, "Print one JSON array to stdout");
  cmd->callback([opts, &env] { run_guarded(env, [&] { return run_doctor(*opts, env); }); });
}

}  // namespace gpubox::cli
