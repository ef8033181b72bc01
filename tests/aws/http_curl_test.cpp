#include "aws/http_curl.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aws/retry.hpp"

namespace gpubox::aws {
namespace {

// A tiny HTTP/1.1 server on 127.0.0.1 that records raw requests and answers each with `reply`.
// It serves one connection at a time; with `keep_alive` it reads several requests per connection.
class LoopbackServer {
public:
  LoopbackServer(std::string reply, bool keep_alive = false, bool silent = false)
      : m_reply(std::move(reply)), m_keep_alive(keep_alive), m_silent(silent) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(m_fd, 16) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    socklen_t len = sizeof addr;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    m_stop = true;
    ::shutdown(m_fd, SHUT_RDWR);
    if (int c = m_client.load(); c >= 0) {
      ::shutdown(c, SHUT_RDWR);  // curl may still hold a kept-alive connection open
    }
    ::close(m_fd);
    m_thread.join();
  }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(m_port) + std::string(path);
  }
  int port() const { return m_port; }
  std::vector<std::string> requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }
  int connections() const { return m_connections.load(); }

private:
  void serve() {
    while (!m_stop) {
      int c = ::accept(m_fd, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      ++m_connections;
      m_client = c;
      std::string buffer;
      while (read_request(c, buffer)) {
        if (m_silent) {
          continue;  // never answer: the client must time out
        }
        ::send(c, m_reply.data(), m_reply.size(), MSG_NOSIGNAL);
        if (!m_keep_alive) {
          break;
        }
      }
      m_client = -1;
      ::close(c);
    }
  }

  // Read one request (headers plus Content-Length body) from `c` into the log.
  bool read_request(int c, std::string& buffer) {
    for (;;) {
      auto end = buffer.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        auto cl = buffer.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) {
          length = std::stoul(buffer.substr(cl + 16));
        }
        if (buffer.size() >= end + 4 + length) {
          std::lock_guard lock(m_mutex);
          m_requests.push_back(buffer.substr(0, end + 4 + length));
          buffer.erase(0, end + 4 + length);
          return true;
        }
      }
      char chunk[4096];
      auto n = ::recv(c, chunk, sizeof chunk, 0);
      if (n <= 0) {
        return false;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

  std::string m_reply;
  bool m_keep_alive;
  bool m_silent;
  int m_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_connections{0};
  std::atomic<int> m_client{-1};
  mutable std::mutex m_mutex;
  std::vector<std::string> m_requests;
  std::thread m_thread;
};

const std::string k_close_reply =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nx-amzn-RequestId: rid-1\r\n"
    "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
const std::string k_keep_alive_reply =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";

class HttpCurl : public ::testing::Test {
protected:
  void SetUp() override {
    // Loopback traffic must never go through a proxy from the developer's environment.
    ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  }
};

TEST_F(HttpCurl, SendsBodyAndHeadersWithoutExpectAndCapturesTheReply) {
  LoopbackServer server(k_close_reply);
  CurlHttpClient client;
  HttpRequest req;
  req.url = server.url();
  // Big enough (over 1 MiB) that libcurl 7.88 would otherwise send `Expect: 100-continue`.
  req.body = std::string(2 * 1024 * 1024, 'x');
  set_header(req.headers, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  set_header(req.headers, "X-Amz-Date", "20150830T123600Z");
  auto r = client.send(req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(find_header(r->headers, "x-amzn-requestid"), "rid-1");
  EXPECT_EQ(find_header(r->headers, "content-type"), "text/xml");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].rfind("POST / HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(seen[0].find("X-Amz-Date: 20150830T123600Z\r\n"), std::string::npos);
  EXPECT_NE(seen[0].find("Content-Length: 2097152\r\n"), std::string::npos);
  EXPECT_EQ(seen[0].find("Expect:"), std::string::npos);
  EXPECT_TRUE(seen[0].ends_with(req.body));
}

TEST_F(HttpCurl, GetAndPutUseTheirMethods) {
  LoopbackServer server(k_close_reply);
  CurlHttpClient client;
  HttpRequest get;
  get.method = "GET";
  get.url = server.url("/latest/meta-data/?x=1");
  ASSERT_TRUE(client.send(get));
  HttpRequest put;
  put.method = "PUT";
  put.url = server.url("/latest/api/token");
  ASSERT_TRUE(client.send(put));
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].rfind("GET /latest/meta-data/?x=1 HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(seen[1].rfind("PUT /latest/api/token HTTP/1.1\r\n", 0), 0u);
}

TEST_F(HttpCurl, ReusesTheConnectionWhenTheServerKeepsItAlive) {
  LoopbackServer server(k_keep_alive_reply, /*keep_alive=*/true);
  CurlHttpClient client;
  HttpRequest req;
  req.url = server.url();
  for (int i = 0; i < 3; ++i) {
    auto r = client.send(req);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpCurl, ParallelThreadsEachGetTheirAnswer) {
  LoopbackServer server(k_close_reply);
  CurlHttpClient client;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        HttpRequest req;
        req.url = server.url();
        req.body = "Action=DescribeRegions";
        auto r = client.send(req);
        if (r && r->body == "hello") {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(server.requests().size(), 20u);
}

TEST_F(HttpCurl, RefusedConnectionIsARetryableNetworkErrorNamingTheHost) {
  int port = 0;
  {
    LoopbackServer gone(k_close_reply);
    port = gone.port();
  }
  CurlHttpClient client;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::network);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(is_timeout_error(r.error()));
}

TEST_F(HttpCurl, SilentServerTimesOut) {
  LoopbackServer server(k_close_reply, false, /*silent=*/true);
  CurlHttpClient client(
      HttpOptions{std::chrono::milliseconds{1000}, std::chrono::milliseconds{300}});
  HttpRequest req;
  req.url = server.url();
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::network);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_TRUE(is_timeout_error(r.error())) << r.error().message;
}

TEST_F(HttpCurl, HonoursTheProxyEnvironment) {
  // The "proxy" is our loopback server: the request for another loopback address goes to it with an
  // absolute URL, and nothing leaves the machine.
  LoopbackServer proxy(k_close_reply);
  ::setenv("http_proxy", proxy.url().c_str(), 1);
  CurlHttpClient client;
  HttpRequest req;
  req.method = "GET";
  req.url = "http://127.0.0.2:9/path";
  auto r = client.send(req);
  ::unsetenv("http_proxy");
  ASSERT_TRUE(r) << r.error().message;
  auto seen = proxy.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].rfind("GET http://127.0.0.2:9/path HTTP/1.1\r\n", 0), 0u);
}

TEST_F(HttpCurl, AnswerLargerThan64MiBIsRefusedNotBuffered) {
  // A hostile endpoint (say GPUBOX_CALLER_IP_URL) answering without end must not eat memory.
  EXPECT_EQ(k_max_response_bytes, size_t{64} << 20);
  const size_t big = k_max_response_bytes + 4096;
  LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(big) +
                        "\r\nConnection: close\r\n\r\n" + std::string(big, 'x'));
  CurlHttpClient client;
  HttpRequest req;
  req.method = "GET";
  req.url = server.url();
  auto r = client.send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::remote);
  EXPECT_NE(r.error().message.find("larger than 64 MiB"), std::string::npos) << r.error().message;
}

TEST_F(HttpCurl, AnswerUpToTheLimitIsRead) {
  LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n" +
                        std::string(100, 'y'));
  CurlHttpClient small({}, 100);
  HttpRequest req;
  req.method = "GET";
  req.url = server.url();
  auto r = small.send(req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, std::string(100, 'y'));
}

}  // namespace
}  // namespace gpubox::aws
