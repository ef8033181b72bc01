#pragma once
// Env: everything a command needs from the outside world, injected (gh's Factory). Tests build
// one with fakes; cli::main builds the real one.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/output.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace gpubox {
class ProcessRunner;
}

namespace gpubox::aws {
class AwsClient;
class CredentialProvider;
class HttpClient;
struct Settings;
}  // namespace gpubox::aws

namespace gpubox::cli {

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

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
  Env(Streams streams, EnvLookup getenv, Clock& clock, aws::HttpClient& http,
      ProcessRunner& runner);
  ~Env();

  Streams streams;
  GlobalOptions global;
  EnvLookup getenv;
  Clock& clock;
  aws::HttpClient& http;
  ProcessRunner& runner;
  int exit_code = 0;

  // Return the AWS context (settings, credential chain, client), building it on first call.
  Result<AwsContext*> aws();
  // Return the user's home directory ($HOME).
  std::string home() const;

private:
  std::unique_ptr<AwsContext> m_aws;
};

}  // namespace gpubox::cli
