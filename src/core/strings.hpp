#pragma once
// Small pure string helpers shared by the AWS protocols and the CLI.

#include <string>
#include <string_view>
#include <vector>

namespace gpubox {

// Percent-encode `s` per RFC 3986 (unreserved A-Z a-z 0-9 - _ . ~ kept), as SigV4 requires.
// When `encode_slash` is false, '/' is kept (for URI paths).
std::string uri_encode(std::string_view s, bool encode_slash = true);

// Encode `s` as an application/x-www-form-urlencoded value the way botocore's query serializer
// does (Python's quote_plus with safe=""): unreserved kept, space as '+', everything else %XX.
std::string form_encode(std::string_view s);

// Decode %XX escapes (and '+' as space when `plus_as_space`).
std::string percent_decode(std::string_view s, bool plus_as_space = false);

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with_ci(std::string_view s, std::string_view prefix);
bool iequals(std::string_view a, std::string_view b);

// Return the Damerau-free Levenshtein distance between `a` and `b` (for "did you mean").
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace gpubox
