#include "aws/sigv4.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path k_suites = fs::path(GPUBOX_SOURCE_DIR) / "tests" / "data" / "sigv4";
constexpr std::string_view k_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// The classic copy's two x-www-form-urlencoded cases are defective (testdata README and
// aws-reference.md §1.2): the .req has no body while the .sts hashes a content-type-signed
// request, and "-parameters" puts the form body on the query line of its .creq. Their aws-c-auth
// versions, which are consistent, are checked below instead.
const std::set<std::string> k_defective_classic = {"post-x-www-form-urlencoded",
                                                   "post-x-www-form-urlencoded-parameters"};

TimePoint suite_time() { return std::chrono::sys_days{2015y / 8 / 30} + 12h + 36min; }

Credentials make_credentials(std::string_view id, std::string_view secret, std::string_view token) {
  Credentials creds;
  creds.access_key_id = id;
  creds.secret_access_key = secret;
  creds.session_token = token;
  return creds;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// How a folded header line (one that starts with whitespace) is read. The suites disagree:
// aws-c-auth (like botocore) keeps it in the value, so trim-and-squeeze turns "value1\n  value2"
// into "value1 value2"; the classic suite expects "value1,value2", i.e. each folded line read as
// another value of the same header, which the signer then comma-joins like any repeat.
enum class Folding { continue_value, repeat_header };

// Parse a suite request file ("METHOD target HTTP/1.1", headers, blank line, body) into a
// request whose URL authority is the Host header, as the wire request would be.
HttpRequest parse_request(const std::string& text, Folding folding) {
  HttpRequest request;
  std::string_view rest(text);
  auto next_line = [&rest] {
    const size_t end = std::min(rest.find('\n'), rest.size());
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    return line;
  };
  const std::string_view request_line = next_line();
  const size_t sp = request_line.find(' ');
  request.method = std::string(request_line.substr(0, sp));
  const std::string target(request_line.substr(sp + 1, request_line.rfind(" HTTP/") - sp - 1));
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    if (line.front() == ' ' || line.front() == '\t') {
      if (folding == Folding::continue_value) {
        request.headers.back().second += "\n" + std::string(line);
      } else {
        request.headers.emplace_back(request.headers.back().first, std::string(line));
      }
      continue;
    }
    const size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  request.body = std::string(rest);
  request.url = "https://" + find_header(request.headers, "Host").value_or("") + target;
  return request;
}

// The request target ("/path?query") of an absolute URL.
std::string target_of(const std::string& url) {
  return url.substr(url.find('/', url.find("://") + 3));
}

std::string line_starting(const std::string& text, std::string_view prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) {
      return line.substr(prefix.size());
    }
  }
  return "";
}

TEST(Sigv4, AmzDateIsBasicIso8601Utc) {
  EXPECT_EQ(amz_date(suite_time()), "20150830T123600Z");
  EXPECT_EQ(amz_date(std::chrono::sys_days{2024y / 2 / 29} + 23h + 59min + 59s),
            "20240229T235959Z");
}

TEST(Sigv4, CanonicalHostDropsUserinfoAndDefaultPortsOnly) {
  EXPECT_EQ(canonical_host("https", "EC2.us-east-1.AmazonAWS.com:443"),
            "ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(canonical_host("http", "localhost:80"), "localhost");
  EXPECT_EQ(canonical_host("http", "user:pw@127.0.0.1:4566"), "127.0.0.1:4566");
  EXPECT_EQ(canonical_host("https", "localhost:80"), "localhost:80");
  EXPECT_EQ(canonical_host("http", "[::1]:5000"), "[::1]:5000");
  EXPECT_EQ(canonical_host("https", "[::1]:443"), "[::1]");
}

TEST(Sigv4, CanonicalUriNormalizesAndEncodesOnceMore) {
  EXPECT_EQ(canonical_uri("", true), "/");
  EXPECT_EQ(canonical_uri("//a/./b/../c//", true), "/a/c/");
  EXPECT_EQ(canonical_uri("/a/..", true), "/");
  // Already-encoded input is encoded again for non-S3 services ("double encoding").
  EXPECT_EQ(canonical_uri("/a%20b/", true), "/a%2520b/");
  EXPECT_EQ(canonical_uri("//a/./b", false), "//a/./b");
}

TEST(Sigv4, CanonicalQuerySortsByKeyThenValueAndFillsBareKeys) {
  EXPECT_EQ(canonical_query_string(""), "");
  EXPECT_EQ(canonical_query_string("b=2&a=2&a=1&c"), "a=1&a=2&b=2&c=");
  // Sorting is by key first: "a-b" sorts after "a" even though '-' < '='.
  EXPECT_EQ(canonical_query_string("a-b=1&a=2"), "a=2&a-b=1");
  EXPECT_EQ(canonical_query_string("k=a%20b%2a&%e1%88%b4=~"), "%E1%88%B4=~&k=a%20b%2A");
}

TEST(Sigv4, CanonicalHeadersTrimSqueezeJoinAndSkipHopByHop) {
  const Headers headers = {{"X-B", "  two   words\t "},
                           {"user-agent", "x"},
                           {"x-a", "1"},
                           {"X-A", "2"},
                           {"Connection", "close"}};
  const CanonicalHeaders canonical = canonical_headers(headers, "h.example");
  EXPECT_EQ(canonical.block, "host:h.example\nx-a:1,2\nx-b:two words\n");
  EXPECT_EQ(canonical.signed_headers, "host;x-a;x-b");
}

TEST(Sigv4, SignReplacesStaleSigningHeadersOnRetry) {
  HttpRequest request{
      .method = "POST", .url = "https://sts.amazonaws.com/", .headers = {}, .body = "x"};
  const Credentials creds = make_credentials("AKID", "s", "t1");
  const SigningParams params{.region = "us-east-1", .service = "sts", .time = suite_time()};
  const SigningResult first = sign(request, creds, params);
  const SigningResult second = sign(request, creds, params);
  EXPECT_EQ(first.authorization, second.authorization);
  EXPECT_EQ(request.headers.size(), 3u);  // X-Amz-Date, X-Amz-Security-Token, Authorization
  EXPECT_EQ(find_header(request.headers, "authorization"), second.authorization);
}

TEST(Sigv4Suite, EveryClassicCaseMatchesCanonicalRequestStringToSignAndAuthorization) {
  const fs::path root = k_suites / "aws-sig-v4-test-suite";
  // The readme gives the session token of the post-sts-token cases as its last line.
  const std::string readme = read_text(root / "post-sts-token" / "readme.txt");
  const std::string token(trim(std::string_view(readme).substr(readme.rfind('\n') + 1)));
  int checked = 0;
  int skipped = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    const fs::path base = entry.path() / name;
    if (!entry.is_directory() || !fs::exists(base.string() + ".req")) {
      continue;
    }
    if (k_defective_classic.contains(name)) {
      ++skipped;
      continue;
    }
    SCOPED_TRACE(name);
    HttpRequest request = parse_request(read_text(base.string() + ".req"), Folding::repeat_header);
    Credentials creds = make_credentials("AKIDEXAMPLE", k_secret, "");
    SigningParams params{.region = "us-east-1", .service = "service", .time = suite_time()};
    if (name.starts_with("post-sts-header-")) {
      creds.session_token = token;
      params.sign_session_token = name == "post-sts-header-before";
    }
    const SigningResult result = sign(request, creds, params);
    EXPECT_EQ(result.canonical_request, read_text(base.string() + ".creq"));
    EXPECT_EQ(result.string_to_sign, read_text(base.string() + ".sts"));
    EXPECT_EQ(result.authorization, read_text(base.string() + ".authz"));
    EXPECT_EQ(find_header(request.headers, "X-Amz-Security-Token").value_or(""),
              creds.session_token);
    ++checked;
  }
  EXPECT_EQ(skipped, 2);
  EXPECT_EQ(checked, 29);  // 31 classic cases, less the two defective ones
}

struct SuiteContext {
  Credentials creds;
  SigningParams params;
  std::chrono::seconds expires{0};
};

SuiteContext parse_context(const std::string& text) {
  const auto json = nlohmann::json::parse(text);
  SuiteContext context;
  context.creds.access_key_id = json["credentials"]["access_key_id"];
  context.creds.secret_access_key = json["credentials"]["secret_access_key"];
  context.creds.session_token = json["credentials"].value("token", "");
  context.params.region = json["region"];
  context.params.service = json["service"];
  std::istringstream time(json["timestamp"].get<std::string>());
  std::tm tm{};
  time >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  context.params.time = std::chrono::system_clock::from_time_t(timegm(&tm));
  context.params.normalize_path = json["normalize"];
  context.params.add_content_sha256 = json["sign_body"];
  context.params.sign_session_token = !json.value("omit_session_token", false);
  context.expires = std::chrono::seconds(json["expiration_in_seconds"].get<int>());
  return context;
}

void check_header_variant(const fs::path& dir, const SuiteContext& context) {
  HttpRequest request = parse_request(read_text(dir / "request.txt"), Folding::continue_value);
  const SigningResult result = sign(request, context.creds, context.params);
  EXPECT_EQ(result.canonical_request, read_text(dir / "header-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, read_text(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(result.signature, read_text(dir / "header-signature.txt"));
  const std::string signed_request = read_text(dir / "header-signed-request.txt");
  EXPECT_EQ(result.authorization, line_starting(signed_request, "Authorization:"));
  EXPECT_EQ(find_header(request.headers, "X-Amz-Security-Token").value_or(""),
            context.creds.session_token);
}

void check_query_variant(const fs::path& dir, const SuiteContext& context) {
  HttpRequest request = parse_request(read_text(dir / "request.txt"), Folding::continue_value);
  const SigningResult result = presign(request, context.creds, context.params, context.expires);
  EXPECT_EQ(result.canonical_request, read_text(dir / "query-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, read_text(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(result.signature, read_text(dir / "query-signature.txt"));
  const std::string request_line = line_starting(read_text(dir / "query-signed-request.txt"), "");
  EXPECT_EQ(request.method + ' ' + target_of(request.url) + " HTTP/1.1", request_line);
}

TEST(Sigv4Suite, EveryAwsCAuthCaseMatchesInHeaderAndQueryForm) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(k_suites / "aws-signing-test-suite" / "v4")) {
    if (!entry.is_directory()) {
      continue;
    }
    SCOPED_TRACE(entry.path().filename().string());
    const SuiteContext context = parse_context(read_text(entry.path() / "context.json"));
    check_header_variant(entry.path(), context);
    check_query_variant(entry.path(), context);
    checked += 2;
  }
  EXPECT_EQ(checked, 76);  // 38 cases, each signed in the header and presigned in the query
}

}  // namespace
}  // namespace gpubox::aws
