#pragma once
// Ctrl-C during `up`: say what exists and what it costs, with the command that resumes or
// removes it, and exit 130. The note is kept in a buffer the signal handler only reads (write(2)
// and _exit are async-signal-safe), so a person who stops a launch is never left guessing
// whether something bills.

#include <string_view>

namespace gpubox::cli {

// Print `note` (one or more lines) to stderr if SIGINT (Ctrl-C) arrives, then exit 130;
// installs the handler on first use.
void set_interrupt_note(std::string_view note);

// Restore the default handling of SIGINT.
void clear_interrupt_note();

// While alive, Ctrl-C (SIGINT) does not end gpubox: it only makes fired() true, so a command
// can ask what to do next (stop a job or leave it running). Children still get the signal from
// the terminal. Not nestable with set_interrupt_note.
class InterruptLatch {
public:
  InterruptLatch();
  ~InterruptLatch();
  InterruptLatch(const InterruptLatch&) = delete;
  InterruptLatch& operator=(const InterruptLatch&) = delete;
  bool fired() const;
};

}  // namespace gpubox::cli
