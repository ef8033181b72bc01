#pragma once
// The real HttpClient, over libcurl. Each thread reuses its own easy handle, so connections are
// kept alive per host and parallel region queries never share a handle.

#include <cstddef>

#include "aws/http.hpp"

namespace gpubox::aws {

// No answer gpubox expects comes near this; a larger one is refused, not buffered.
inline constexpr size_t k_max_response_bytes = size_t{64} << 20;

class CurlHttpClient final : public HttpClient {
public:
  // `max_body_bytes`: a response body past this size is an Error (tests make it small).
  explicit CurlHttpClient(HttpOptions options = {}, size_t max_body_bytes = k_max_response_bytes);

  // Send `request` with TLS verification on, the proxy environment variables honoured and no
  // `Expect: 100-continue`; map transport failures to retryable network errors. A body larger
  // than the limit ends the transfer with an Error of kind remote.
  Result<HttpResponse> send(const HttpRequest& request) override;

private:
  HttpOptions m_options;
  size_t m_max_body_bytes;
};

}  // namespace gpubox::aws
