#pragma once
// Debug logging (--debug or GPUBOX_DEBUG=1) to stderr. GPUBOX_LOG checks enabled() before
// formatting, so logging costs nothing when off. Never pass secrets: use redact helpers.

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace gpubox::log {

bool enabled();
void set_enabled(bool on);
// Write one timestamped line to stderr.
void write(std::string_view line);

// Return `value` with credentials removed: an Authorization header keeps only what precedes
// its Signature= (a bare token becomes "REDACTED"); session, IMDS and SSO bearer tokens become
// "REDACTED".
std::string redact_header(std::string_view name, std::string_view value);

}  // namespace gpubox::log

#define GPUBOX_LOG(...)                                 \
  do {                                                  \
    if (::gpubox::log::enabled()) {                     \
      ::gpubox::log::write(::fmt::format(__VA_ARGS__)); \
    }                                                   \
  } while (false)
