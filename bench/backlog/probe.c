// 4 KiB synchronous write every INTERVAL ms, in MODE; prints "start_ms latency_ms" per call until SIGTERM.
// pwrite: O_DSYNC pwrite at 0 on one fd | open: open(O_DSYNC) write close (dd conv=notrunc)
// trunc: open(O_TRUNC|O_DSYNC) write close (plain dd oflag=dsync) | append: O_APPEND|O_DSYNC | direct: O_DIRECT|O_DSYNC pwrite at 0
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
static volatile sig_atomic_t stop = 0;
static void on(int s) { (void)s; stop = 1; }
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  const char *mode = argv[3];
  int interval = atoi(argv[2]);
  char *buf; if (posix_memalign((void **)&buf, 4096, 4096)) return 1; memset(buf, 'p', 4096);
  signal(SIGTERM, on); signal(SIGINT, on);
  setvbuf(stdout, NULL, _IOLBF, 0);
  int fd = -1;
  if (!strcmp(mode, "pwrite")) fd = open(argv[1], O_WRONLY | O_CREAT | O_DSYNC, 0600);
  else if (!strcmp(mode, "append")) fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_DSYNC, 0600);
  else if (!strcmp(mode, "direct")) {
    int f = open(argv[1], O_WRONLY | O_CREAT, 0600);
    if (f < 0 || write(f, buf, 4096) != 4096 || fsync(f) != 0) { perror("prepare"); return 1; }
    close(f);
    fd = open(argv[1], O_WRONLY | O_DIRECT | O_DSYNC);
  }
  int per = !strcmp(mode, "open") || !strcmp(mode, "trunc");
  if (!per && fd < 0) { perror("open"); return 1; }
  while (!stop) {
    double a = now_ms();
    if (per) {
      fd = open(argv[1], O_WRONLY | O_CREAT | O_DSYNC | (!strcmp(mode, "trunc") ? O_TRUNC : 0), 0600);
      if (fd < 0 || write(fd, buf, 4096) != 4096) { perror("write"); return 1; }
      close(fd);
    } else if (!strcmp(mode, "append")) {
      if (write(fd, buf, 4096) != 4096) { perror("write"); return 1; }
    } else if (pwrite(fd, buf, 4096, 0) != 4096) { perror("pwrite"); return 1; }
    double b = now_ms();
    printf("%.1f %.3f\n", a, b - a);
    double rest = interval - (b - a);
    if (rest > 0) usleep((useconds_t)(rest * 1000));
  }
  return 0;
}
