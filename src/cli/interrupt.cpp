#include "cli/interrupt.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>

namespace gpubox::cli {
namespace {

constexpr size_t k_note_size = 2048;
char g_notes[2][k_note_size];
std::atomic<int> g_current{-1};

extern "C" void on_interrupt(int) {
  const int current = g_current.load();
  if (current >= 0) {
    const char* note = g_notes[current];
    auto left = static_cast<ssize_t>(std::strlen(note));
    while (left > 0) {
      ssize_t n = ::write(STDERR_FILENO, note, static_cast<size_t>(left));
      if (n <= 0) {
        break;
      }
      note += n;
      left -= n;
    }
  }
  ::_exit(130);
}

std::atomic<bool> g_latched{false};

extern "C" void on_latched_interrupt(int) { g_latched.store(true); }

}  // namespace

InterruptLatch::InterruptLatch() {
  g_latched.store(false);
  struct sigaction sa{};
  sa.sa_handler = on_latched_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);  // no SA_RESTART: a blocking poll returns EINTR
}

InterruptLatch::~InterruptLatch() { std::signal(SIGINT, SIG_DFL); }

bool InterruptLatch::fired() const { return g_latched.load(); }

void set_interrupt_note(std::string_view note) {
  const int next = g_current.load() == 0 ? 1 : 0;
  const size_t n = std::min(note.size(), k_note_size - 2);
  std::memcpy(g_notes[next], note.data(), n);
  g_notes[next][n] = '\n';
  g_notes[next][n + 1] = '\0';
  const int before = g_current.exchange(next);
  if (before < 0) {
    struct sigaction sa{};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
  }
}

void clear_interrupt_note() {
  if (g_current.exchange(-1) >= 0) {
    std::signal(SIGINT, SIG_DFL);
  }
}

}  // namespace gpubox::cli
