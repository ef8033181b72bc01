#include "aws/http_curl.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>

#include <curl/curl.h>
#include <fmt/format.h>

#include "core/strings.hpp"

namespace gpubox::aws {
namespace {

// libcurl (and with it OpenSSL and libssh2) is initialised on the first request, not at start, so
// commands that never reach the network (--version, --help, offers) do not pay for it. Region
// threads may race to it: call_once serialises them (and Debian's libcurl reports
// CURL_VERSION_THREADSAFE besides).
void global_init_once() {
  static std::once_flag flag;
  std::call_once(flag, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread. curl_easy_reset() between requests keeps the handle's connection
// cache, so consecutive requests to the same host reuse the TCP/TLS connection when the server
// allows keep-alive (moto does not: it answers `Connection: close`).
struct ThreadHandle {
  CURL* handle = nullptr;
  ThreadHandle() {
    global_init_once();
    handle = curl_easy_init();
  }
  ~ThreadHandle() {
    if (handle != nullptr) {
      curl_easy_cleanup(handle);
    }
  }
  ThreadHandle(const ThreadHandle&) = delete;
  ThreadHandle& operator=(const ThreadHandle&) = delete;
};

CURL* thread_handle() {
  thread_local ThreadHandle t;
  return t.handle;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

// Where the body goes: refuses (returns 0, which aborts the transfer) past `limit` bytes.
struct BodySink {
  std::string* body;
  size_t limit;
  bool over = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t n = size * count;
  if (n > sink->limit - std::min(sink->limit, sink->body->size())) {
    sink->over = true;
    return 0;
  }
  sink->body->append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new status line: interim 1xx responses (and anything before) are discarded.
    headers->clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    headers->emplace_back(std::string(trim(line.substr(0, colon))),
                          std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

std::string host_of(std::string_view url) {
  auto start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  auto end = url.find_first_of("/?#", start);
  return std::string(url.substr(start, end == std::string_view::npos ? url.npos : end - start));
}

void set_method(CURL* h, const HttpRequest& request) {
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    return;
  }
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  if (request.method != "POST") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

void fill_headers(const HttpRequest& request, HeaderList& list) {
  for (const auto& [name, value] : request.headers) {
    // libcurl drops "Name:" but sends "Name;" as a header with an empty value.
    std::string line = name;
    line += value.empty() ? ";" : ": ";
    line += value;
    list.add(line);
  }
  // No `Expect: 100-continue`: moto answers it with two interim responses, and it costs a round
  // trip on every POST for nothing. No default Accept either: it is not part of the signature.
  list.add("Expect:");
  if (!find_header(request.headers, "Accept")) {
    list.add("Accept:");
  }
}

}  // namespace

CurlHttpClient::CurlHttpClient(HttpOptions options, size_t max_body_bytes)
    : m_options(options), m_max_body_bytes(max_body_bytes) {}

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) {
  CURL* h = thread_handle();
  if (h == nullptr) {
    return fail(ErrorKind::internal, "cannot create a libcurl handle");
  }
  curl_easy_reset(h);
  HttpResponse response;
  HeaderList headers;
  fill_headers(request, headers);
  char errbuf[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  set_method(h, request);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  BodySink sink{&response.body, m_max_body_bytes};
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(m_options.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(m_options.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // required for timeouts in multi-threaded use
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  // CURLOPT_PROXY is deliberately never set, so libcurl honours http_proxy, https_proxy,
  // HTTPS_PROXY, ALL_PROXY and NO_PROXY from the environment.

  CURLcode rc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);  // the list and errbuf die with this frame
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (sink.over) {
    Error e;
    e.kind = ErrorKind::remote;
    e.message = fmt::format("HTTP {} to {}: the response is larger than {} MiB; not reading more",
                            request.method, host_of(request.url), m_max_body_bytes >> 20);
    e.hint = "is the endpoint (AWS_ENDPOINT_URL, GPUBOX_CALLER_IP_URL) the service you meant?";
    return fail(std::move(e));
  }
  if (rc != CURLE_OK) {
    Error e;
    e.kind = ErrorKind::network;
    e.retryable = true;
    e.message = fmt::format("HTTP {} to {} failed: {}{}{}", request.method, host_of(request.url),
                            curl_easy_strerror(rc), errbuf[0] != '\0' ? ": " : "", errbuf);
    return fail(std::move(e));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace gpubox::aws
