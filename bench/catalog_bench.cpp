// Micro benchmark: parse the embedded catalog and run a few searches; prints milliseconds.
// Not a test: run build/catalog_bench by hand (issue: "loading and searching must take a few ms").
#include <chrono>
#include <cstdio>

#include "catalog/catalog.hpp"
#include "catalog/gpus.hpp"
#include "plan/offers.hpp"

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// Parse the embedded catalog and search it for a T4, a spot A10G:4 and everything; return offers
// found.
size_t load_and_search() {
  auto catalog = gpubox::catalog::load_embedded();
  if (!catalog) {
    std::fprintf(stderr, "catalog_bench: %s\n", catalog.error().message.c_str());
    return 0;
  }
  gpubox::plan::OfferQuery t4;
  t4.gpu = gpubox::catalog::parse_gpu_spec("t4").value();
  gpubox::plan::OfferQuery a10g;
  a10g.gpu = gpubox::catalog::parse_gpu_spec("a10g:4").value();
  a10g.spot = true;
  gpubox::plan::OfferQuery all;
  return gpubox::plan::find_offers(*catalog, t4).size() +
         gpubox::plan::find_offers(*catalog, a10g).size() +
         gpubox::plan::find_offers(*catalog, all).size();
}

}  // namespace

int main() {
  constexpr int k_runs = 50;
  auto first_start = std::chrono::steady_clock::now();
  size_t found = load_and_search();
  double first_ms = ms_since(first_start);
  double total_ms = 0;
  double best_ms = first_ms;
  for (int i = 0; i < k_runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    found += load_and_search();
    double ms = ms_since(start);
    total_ms += ms;
    best_ms = ms < best_ms ? ms : best_ms;
  }
  std::printf(
      "catalog parse+search: first %.3f ms, best %.3f ms, mean %.3f ms over %d runs (%zu offers)\n",
      first_ms, best_ms, total_ms / k_runs, k_runs, found);
  return found > 0 ? 0 : 1;
}
