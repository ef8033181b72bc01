#pragma once
// AwsClient: one signed, retried call to one AWS service in one region. It owns nothing but
// references to the edges (HTTP, clock, credentials) and the resolved settings, so a single
// client can be shared by threads that query several regions in parallel.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/credentials.hpp"
#include "aws/http.hpp"
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

  // Call a query-protocol (EC2 or STS) `action` in `region`; return the raw XML body of a 2xx
  // reply. Errors (XML error shapes, HTML 500 pages, transport failures) come back classified.
  Result<std::string> query(const Service& service, std::string_view region,
                            std::string_view action, const QueryParams& params);

  // Call a JSON 1.1 `operation` in `region`; return the parsed reply.
  Result<nlohmann::json> json(const Service& service, std::string_view region,
                              std::string_view operation, const nlohmann::json& body);

private:
  ClientDeps m_deps;
  // ... retry quota, clock-skew offset (implementation-defined, guarded by a mutex)
};

}  // namespace gpubox::aws
