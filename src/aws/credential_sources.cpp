#include "aws/credential_sources.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "aws/json_fields.hpp"
#include "core/iso8601.hpp"
#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

constexpr std::chrono::minutes k_process_timeout{2};
constexpr std::string_view k_imds_default = "http://169.254.169.254";

std::string first_line(std::string_view text) {
  text = trim(text);
  std::string_view line = text.substr(0, text.find('\n'));
  return std::string(line.substr(0, 300));
}

std::string read_first_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return std::string(trim(line));
}

Result<Credentials> parse_process_output(const std::string& out, const std::string& who) {
  // Never quote `out` in a message: it holds the secret key.
  nlohmann::json doc = nlohmann::json::parse(out, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorKind::auth, who + " did not print a JSON object");
  }
  if (auto version = doc.find("Version"); version == doc.end() || *version != 1) {
    return fail(ErrorKind::auth, who + " must print \"Version\": 1");
  }
  auto text = [&doc](const char* key) { return json_string(doc, key); };
  Credentials c{text("AccessKeyId"), text("SecretAccessKey"), text("SessionToken"), std::nullopt,
                who};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return fail(ErrorKind::auth, who + " printed no AccessKeyId or no SecretAccessKey");
  }
  if (std::string expiration = text("Expiration"); !expiration.empty()) {
    c.expiration = parse_iso8601(expiration);
    if (!c.expiration) {
      return fail(ErrorKind::auth, who + " printed an Expiration that is not an ISO 8601 time");
    }
  }
  return c;
}

Result<HttpResponse> imds_call(HttpClient& http, const HttpRequest& request,
                               std::string_view what) {
  auto response = http.send(request);
  if (!response) {
    return fail(ErrorKind::auth, "EC2 instance metadata: cannot " + std::string(what) + ": " +
                                     response.error().message);
  }
  if (response->status != 200) {
    std::string message = "EC2 instance metadata: cannot " + std::string(what) + " (HTTP " +
                          std::to_string(response->status) + ")";
    if (response->status == 404 && what == "list the instance role") {
      message += "; the instance has no IAM role attached";
    }
    return fail(ErrorKind::auth, message);
  }
  return response;
}

}  // namespace

Result<std::vector<std::string>> split_command_line(std::string_view command) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    bool escapable =
        quote == 0 || (quote == '"' && i + 1 < command.size() &&
                       std::string_view("\"\\$`").find(command[i + 1]) != std::string_view::npos);
    if (c == '\\' && quote != '\'' && escapable && i + 1 < command.size()) {
      word += command[++i];
      in_word = true;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
      in_word = true;
    } else if (quote == 0 && (c == ' ' || c == '\t' || c == '\n')) {
      if (in_word) {
        out.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) {
    return fail(ErrorKind::invalid_input, "unterminated quote in command line");
  }
  if (in_word) {
    out.push_back(std::move(word));
  }
  return out;
}

Result<Credentials> credentials_from_process(ProcessRunner& runner, std::string_view command,
                                             std::string_view profile) {
  std::string who = "credential_process (profile " + std::string(profile) + ")";
  auto argv = split_command_line(command);
  if (!argv || argv->empty()) {
    return fail(ErrorKind::invalid_input, who + " is not a valid command line");
  }
  RunOptions options;
  options.timeout = k_process_timeout;
  auto result = runner.run(*argv, options);
  if (!result) {
    return fail(ErrorKind::auth, who + " could not run: " + result.error().message);
  }
  if (result->exit_code != 0) {
    std::string message = who + " failed with exit code " + std::to_string(result->exit_code);
    if (std::string err = first_line(result->stderr_text); !err.empty()) {
      message += ": " + err;
    }
    return fail(ErrorKind::auth, message);
  }
  return parse_process_output(result->stdout_text, who);
}

bool running_on_ec2(const std::filesystem::path& dmi_dir) {
  // Nitro instances put the instance id in board_asset_tag and name EC2 in sys_vendor. Xen
  // instances (t2, m4, c4, ...) say "Xen" there; their BIOS version is "4.11.amazon" and their
  // UUID (product_uuid, readable by root only, or /sys/hypervisor/uuid) starts with "ec2"
  // (AWS: "Detect whether a host is an EC2 instance").
  if (read_first_line(dmi_dir / "board_asset_tag").starts_with("i-") ||
      read_first_line(dmi_dir / "sys_vendor") == "Amazon EC2") {
    return true;
  }
  if (to_lower(read_first_line(dmi_dir / "bios_version")).find("amazon") != std::string::npos) {
    return true;
  }
  const std::filesystem::path hypervisor_uuid =
      dmi_dir.parent_path().parent_path().parent_path().parent_path() / "hypervisor" / "uuid";
  for (const auto& uuid : {dmi_dir / "product_uuid", hypervisor_uuid}) {
    if (starts_with_ci(read_first_line(uuid), "ec2")) {
      return true;
    }
  }
  return false;
}

Result<std::optional<Credentials>> credentials_from_instance_metadata(
    HttpClient& http, const EnvLookup& env, const std::filesystem::path& dmi_dir) {
  auto disabled = env ? env("AWS_EC2_METADATA_DISABLED") : std::nullopt;
  if ((disabled && iequals(trim(*disabled), "true")) || !running_on_ec2(dmi_dir)) {
    return std::optional<Credentials>{};
  }
  auto configured = env ? env("AWS_EC2_METADATA_SERVICE_ENDPOINT") : std::nullopt;
  std::string base(configured && !configured->empty() ? *configured : k_imds_default);
  while (base.ends_with('/')) {
    base.pop_back();
  }
  HttpRequest token_request{
      "PUT", base + "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, ""};
  GPUBOX_TRY_ASSIGN(token, imds_call(http, token_request, "get a session token"));
  std::string path = base + "/latest/meta-data/iam/security-credentials/";
  Headers headers{{"X-aws-ec2-metadata-token", std::string(trim(token.body))}};
  GPUBOX_TRY_ASSIGN(roles, imds_call(http, {"GET", path, headers, ""}, "list the instance role"));
  std::string role = first_line(roles.body);
  if (role.empty()) {
    return fail(ErrorKind::auth, "EC2 instance metadata: the instance has no IAM role attached");
  }
  GPUBOX_TRY_ASSIGN(
      reply, imds_call(http, {"GET", path + role, headers, ""}, "get the role's credentials"));
  nlohmann::json doc = nlohmann::json::parse(reply.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorKind::auth, "EC2 instance metadata: the credentials reply is not JSON");
  }
  // IMDS names the token "Token"; reuse the credential_process parser with the SDK's key names.
  nlohmann::json shaped = {{"Version", 1},
                           {"AccessKeyId", json_string(doc, "AccessKeyId")},
                           {"SecretAccessKey", json_string(doc, "SecretAccessKey")},
                           {"SessionToken", json_string(doc, "Token")},
                           {"Expiration", json_string(doc, "Expiration")}};
  GPUBOX_TRY_ASSIGN(creds, parse_process_output(shaped.dump(), "EC2 instance metadata"));
  return std::optional<Credentials>(std::move(creds));
}

}  // namespace gpubox::aws
