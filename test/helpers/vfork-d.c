/* A real D-state process for tests: a vfork parent waits uninterruptibly (killable) until its
 * child execs or exits, so a child that just sleeps keeps the parent in state D (wchan in the
 * vfork path, kernel_clone on 6.x). Killing the child (SIGKILL) releases the parent. */
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
  unsigned secs = argc > 1 ? (unsigned)atoi(argv[1]) : 30;
  if (vfork() == 0) { sleep(secs); _exit(0); }
  return 0;
}
