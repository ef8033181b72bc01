#pragma once
// AwsClient: one signed, retried call to one AWS service in one region. It owns nothing but
// references to the edges (HTTP, clock, credentials) and the resolved settings, so a single
// client can be shared by threads that query several regions in parallel.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "aws/retry.hpp"
#include "aws/service.hpp"
#include "aws/settings.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace gpubox::aws {

// Query-protocol parameters in wire form, e.g. {"Filter.1.Name", "tag:gpubox:box"}.
// "Action" and "Version" are added by the client.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct ClientDeps {
  HttpClient& http;
  Clock& clock;
  CredentialProvider& credentials;
  const Settings& settings;  // endpoints, retry mode, max attempts
};

class AwsClient {
public:
  explicit AwsClient(ClientDeps deps);
  // Build a client whose retry jitter comes from `random` (tests pass a constant).
  AwsClient(ClientDeps deps, RandomSource random);
  ~AwsClient();
  AwsClient(AwsClient&&) noexcept;
  AwsClient& operator=(AwsClient&&) = delete;

  // Call a query-protocol (EC2 or STS) `action` in `region`; return the raw XML body of a 2xx
  // reply. Errors (XML error shapes, HTML 500 pages, transport failures) come back classified.
  Result<std::string> query(const Service& service, std::string_view region,
                            std::string_view action, const QueryParams& params);

  // Call a JSON 1.1 `operation` in `region`; return the parsed reply.
  Result<nlohmann::json> json(const Service& service, std::string_view region,
                              std::string_view operation, const nlohmann::json& body);

  // Return the offset added to the local clock when signing (learnt from server Date headers).
  Duration clock_offset() const;
  // Return the tokens left in the shared retry quota.
  int retry_quota_available() const;

private:
  struct State;
  Result<HttpResponse> send(const Service& service, std::string_view region,
                            std::string_view operation, const HttpRequest& base);
  Result<HttpResponse> send_once(const Service& service, std::string_view region,
                                 std::string_view operation, const HttpRequest& base, int attempt);
  bool update_clock_offset(const HttpResponse& resp);

  ClientDeps m_deps;
  std::unique_ptr<State> m_state;  // retry quota, clock offset, random source (thread-safe)
};

// Return the User-Agent gpubox sends: "gpubox/<version>", with no "region/" token (moto reads
// the region from one).
std::string user_agent();

// Handle one page of a paginated call; an error stops the pagination and is returned.
using QueryPageFn = std::function<Result<void>(const std::string& xml)>;
using JsonPageFn = std::function<Result<void>(const nlohmann::json& page)>;

// Call query `action` page by page, passing each page's `nextToken` back as `NextToken`, and hand
// every page's XML to `on_page`. Fail when a token repeats or after 1000 pages.
Result<void> paginate_query(AwsClient& client, const Service& service, std::string_view region,
                            std::string_view action, QueryParams params,
                            const QueryPageFn& on_page);

// Call JSON 1.1 `operation` page by page, following the reply's `NextToken`, and hand every
// parsed page to `on_page`. Fail when a token repeats or after 1000 pages.
Result<void> paginate_json(AwsClient& client, const Service& service, std::string_view region,
                           std::string_view operation, nlohmann::json body,
                           const JsonPageFn& on_page);

}  // namespace gpubox::aws
