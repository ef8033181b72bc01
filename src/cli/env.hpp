#pragma once
// Env: everything a command needs from the outside world, injected (gh's Factory). Tests build
// one with fakes; cli::main builds the real one.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/output.hpp"
#include "core/clock.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/prompter.hpp"

namespace gpubox {
class ProcessRunner;
}

namespace gpubox::state {
class BoxStore;
}

namespace gpubox::catalog {
struct Catalog;
}

namespace gpubox::box {
class CallerIpSource;
}

namespace gpubox::remote {
struct ConnectPolicy;
}

namespace gpubox::aws {
class AwsClient;
class CredentialProvider;
class HttpClient;
struct Settings;
}  // namespace gpubox::aws

namespace gpubox::cli {

using ::gpubox::EnvLookup;

struct GlobalOptions {
  std::string profile;
  std::string region;
  bool debug = false;
  bool quiet = false;
};

// The AWS side of Env, built on first use (commands that never call AWS never read ~/.aws).
struct AwsContext {
  std::unique_ptr<aws::Settings> settings;
  std::unique_ptr<aws::CredentialProvider> credentials;
  std::unique_ptr<aws::AwsClient> client;
  ~AwsContext();
};

class Env {
public:
  Env(Streams streams, EnvLookup getenv, Clock& clock, aws::HttpClient& http, ProcessRunner& runner,
      Prompter& prompter);
  ~Env();

  Streams streams;
  GlobalOptions global;
  EnvLookup getenv;
  Clock& clock;
  aws::HttpClient& http;
  ProcessRunner& runner;
  Prompter& prompter;  // questions to the person at the terminal (cli::TerminalPrompter)
  int exit_code = 0;

  // Return the AWS context (settings, credential chain, client), building it on first call.
  Result<AwsContext*> aws();
  // Return the user's home directory ($HOME).
  std::string home() const;
  // Return gpubox's data directory (GPUBOX_HOME, $XDG_DATA_HOME/gpubox, ~/.local/share/gpubox),
  // created with mode 0700.
  Result<std::filesystem::path> data_dir();
  // Return the progress reporter on stderr (cli::Progress), built on first use from the streams
  // and --quiet.
  ProgressSink& progress();
  // Return the local state database in the data directory, opened on first call.
  Result<state::BoxStore*> store();
  // Return the newest price catalog: a refreshed one in the data directory, else the embedded.
  Result<const catalog::Catalog*> catalog();
  // Return the source of the caller's public address. It refuses to look the address up over
  // the network when the AWS endpoint is a local stand-in (tests must set GPUBOX_CALLER_IP).
  box::CallerIpSource& caller_ip();
  // Return how to reach boxes over ssh (GPUBOX_SSH_CONNECT, local-endpoint guard).
  remote::ConnectPolicy connect_policy();
  // Return whether the AWS endpoint gpubox would use is a loopback stand-in.
  bool aws_endpoint_is_local();

private:
  std::unique_ptr<AwsContext> m_aws;
  std::optional<std::filesystem::path> m_data_dir;
  std::unique_ptr<state::BoxStore> m_store;
  std::unique_ptr<catalog::Catalog> m_embedded_catalog;
  std::unique_ptr<catalog::Catalog> m_cached_catalog;
  const catalog::Catalog* m_catalog = nullptr;
  std::unique_ptr<box::CallerIpSource> m_caller_ip;
  std::unique_ptr<ProgressSink> m_progress;
};

}  // namespace gpubox::cli
