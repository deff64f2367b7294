/* The "database commit" probe: every interval, one 4 KiB write with O_DIRECT|O_DSYNC (it
 * bypasses the page cache and returns when the device has it, as a WAL commit does), and one
 * line "<epochMs> <latencyMs>" per call. A slow call delays the next one, like a waiting client.
 * C because Node has no page-aligned buffers for O_DIRECT. Usage: direct-probe FILE INTERVAL_MS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }
static double now_ms(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: direct-probe FILE INTERVAL_MS\n"); return 2; }
  double interval = atof(argv[2]);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_DIRECT | O_DSYNC, 0600);
  if (fd < 0) { perror("open"); return 1; }
  void *buf;
  if (posix_memalign(&buf, 4096, 4096) != 0) return 1;
  memset(buf, 'c', 4096);
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (long i = 0; !stopping; i++) {
    double wall = now_ms(CLOCK_REALTIME), start = now_ms(CLOCK_MONOTONIC);
    if (pwrite(fd, buf, 4096, (off_t)(i % 256) * 4096) != 4096) { perror("pwrite"); return 1; }
    double took = now_ms(CLOCK_MONOTONIC) - start;
    printf("%.0f %.3f\n", wall, took);
    double rest = interval - took;
    if (rest > 0 && !stopping) usleep((useconds_t)(rest * 1000));
  }
  close(fd);
  return 0;
}
