#pragma once
// Errors as values: every operation that can fail for ordinary reasons returns Result<T>.
// Exceptions are used only at the CLI boundary (Fatal) and for bugs.

#include <expected>
#include <stdexcept>
#include <string>
#include <utility>

namespace gpubox {

enum class ErrorKind {
  invalid_input,  // the user's input or a file they wrote is wrong
  not_found,      // the thing asked for does not exist
  auth,           // credentials missing, expired or rejected; access denied
  quota,          // a service quota or limit stops the request
  capacity,       // AWS has no capacity for the request here and now
  throttled,      // rate limited
  network,        // connection, DNS, TLS or timeout failure
  remote,         // the remote service failed (5xx) or answered something unparseable
  conflict,       // the resource is in a state that forbids the request (in use, duplicate)
  state,          // gpubox's local state is unreadable or locked
  internal,       // a bug
};

// Return a stable lowercase name for `kind` ("throttled"), used in --json and logs.
const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;     // one line: what failed, on what
  std::string aws_code;    // e.g. "InsufficientInstanceCapacity"; empty when not from AWS
  std::string request_id;  // AWS request id, for support
  int http_status = 0;     // 0 when there was no HTTP response
  bool retryable = false;
  std::string hint;        // what the user should do next, e.g. a `gpubox quota request ...` line
};

template <typename T>
using Result = std::expected<T, Error>;

// Return an unexpected Error of `kind` with `message`.
inline std::unexpected<Error> fail(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return std::unexpected<Error>(std::move(e));
}

// Wrap an existing error to propagate it.
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

// Thrown only to abort a command; caught once in cli::main, which prints it and exits.
class Fatal : public std::runtime_error {
public:
  explicit Fatal(Error e) : std::runtime_error(e.message), m_error(std::move(e)) {}
  const Error& error() const { return m_error; }

private:
  Error m_error;
};

// Return the value of `r`, or throw Fatal with its error.
template <typename T>
T value_or_fatal(Result<T>&& r) {
  if (!r) {
    throw Fatal(std::move(r.error()));
  }
  return std::move(*r);
}

}  // namespace gpubox

// Propagate the error of a Result-returning expression; bind its value to `var`.
#define GPUBOX_TRY_ASSIGN(var, expr)                     \
  auto var##_result_ = (expr);                           \
  if (!var##_result_) {                                  \
    return ::gpubox::fail(std::move(var##_result_.error())); \
  }                                                      \
  auto var = std::move(*var##_result_)
