#pragma once
// The real HttpClient, over libcurl. Each thread reuses its own easy handle, so connections are
// kept alive per host and parallel region queries never share a handle.

#include "aws/http.hpp"

namespace gpubox::aws {

class CurlHttpClient final : public HttpClient {
public:
  explicit CurlHttpClient(HttpOptions options = {});

  // Send `request` with TLS verification on, the proxy environment variables honoured and no
  // `Expect: 100-continue`; map transport failures to retryable network errors.
  Result<HttpResponse> send(const HttpRequest& request) override;

private:
  HttpOptions m_options;
};

}  // namespace gpubox::aws
