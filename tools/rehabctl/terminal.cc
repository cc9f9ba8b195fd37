#include "tools/rehabctl/terminal.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace rehab::rehabctl {

absl::StatusOr<std::string> ReadSecretFromTerminal(const std::string& prompt) {
  const int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError("no terminal to ask for it on");
  }
  termios saved;
  const bool has_modes = tcgetattr(fd, &saved) == 0;
  if (has_modes) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  // A failed write of the prompt leaves nothing to do differently.
  (void)!write(fd, prompt.data(), prompt.size());
  std::string line;
  bool complete = false;
  char c;
  while (true) {
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n') {
      complete = true;
      break;
    }
    line.push_back(c);
  }
  if (has_modes) tcsetattr(fd, TCSAFLUSH, &saved);
  close(fd);
  if (!complete && line.empty()) {
    return absl::FailedPreconditionError("no answer on the terminal");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool IsTerminal(int fd) { return isatty(fd) == 1; }

}  // namespace rehab::rehabctl
