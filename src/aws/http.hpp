#pragma once
// HTTP is an edge: the real client is CurlHttpClient (http_curl.cpp); tests use FakeHttpClient
// (tests/fakes/fake_http_client.hpp).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace gpubox::aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Return the value of header `name` (case-insensitive), if present.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);
// Replace (or add) header `name` with `value`.
void set_header(Headers& headers, std::string_view name, std::string value);

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute: scheme://host[:port]/path[?query]
  Headers headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{60000};
};

class HttpClient {
public:
  virtual ~HttpClient() = default;
  // Send `request` and return the response, whatever its status. A transport failure (DNS,
  // connect, TLS, timeout, reset) is an Error of kind network with `retryable` set.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace gpubox::aws
