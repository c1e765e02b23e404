/*
 * TCP client for the `wire` benchmark, one thread, epoll, non-blocking
 * sockets. Built at bench time with the machine's cc
 * (tooling/bench/src/wire/native.ts). Two modes:
 *
 *   tcpc crr ADDR PORT CONCURRENCY WARMUP_MS WINDOW_MS
 *     CONCURRENCY connections at a time, each: connect, write 64 bytes,
 *     read the 64 bytes echoed, close (the client closes first); a new one
 *     starts at once. Counts the transactions that finish inside the window
 *     (after the warm-up) and prints
 *       {"transactions":N,"seconds":S,"errors":E,"cpu":C}
 *     where C is this process's CPU seconds (user + system) in the window.
 *
 *   tcpc hold ADDR PORT COUNT CONCURRENCY
 *     Opens COUNT connections, at most CONCURRENCY not yet echoed at a time,
 *     each: connect, write 64 bytes, read them back, then keep it open.
 *     Once all are open and echoed prints
 *       {"event":"held","count":N,"ms":T,"errors":E}
 *     and waits for SIGUSR1; then closes every connection and prints
 *       {"event":"closed","ms":T}
 *     Raises its own RLIMIT_NOFILE (needs root beyond the hard limit).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define EVENTS 256

enum { IDLE, CONNECTING, READING, HELD };

struct conn {
  int fd;
  int state;
  int got;
};

static struct sockaddr_in dst;
static int ep;
static struct conn *conns;
static char msg[MSG];
static unsigned long long errors;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* Starts connection `i`: socket, non-blocking connect, wait for writable. */
static void start(unsigned i) {
  struct conn *c = &conns[i];
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) die("tcpc: socket");
  c->got = 0;
  c->state = CONNECTING;
  if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS) die("tcpc: connect");
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = i};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) die("tcpc: epoll_ctl");
}

static void fail(unsigned i) {
  errors++;
  close(conns[i].fd);
  conns[i].state = IDLE;
}

/* Advances connection `i` on an event; returns 1 when its echo is complete. */
static int step(unsigned i, unsigned events) {
  struct conn *c = &conns[i];
  if (c->state == CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      fail(i);
      return 0;
    }
    if (write(c->fd, msg, MSG) != MSG) {
      fail(i);
      return 0;
    }
    c->state = READING;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) die("tcpc: epoll_ctl");
    return 0;
  }
  if (c->state == READING) {
    char buf[MSG];
    ssize_t n = read(c->fd, buf, (size_t)(MSG - c->got));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (n <= 0) {
      fail(i);
      return 0;
    }
    c->got += (int)n;
    return c->got == MSG;
  }
  return 0;
}

static int crr(unsigned conc, double warmup, double window) {
  conns = calloc(conc, sizeof *conns);
  for (unsigned i = 0; i < conc; i++) start(i);
  struct epoll_event evs[EVENTS];
  double t0 = now_ms(), from = t0 + warmup, to = from + window, t = t0;
  double cpu0 = 0;
  int measuring = 0;
  unsigned long long done = 0, errors0 = 0;
  while (t < to) {
    int n = epoll_wait(ep, evs, EVENTS, 100);
    if (n < 0 && errno != EINTR) die("tcpc: epoll_wait");
    t = now_ms();
    if (!measuring && t >= from) {
      measuring = 1;
      cpu0 = cpu_seconds();
      errors0 = errors;
      done = 0;
    }
    for (int k = 0; k < n; k++) {
      unsigned i = evs[k].data.u32;
      if (step(i, evs[k].events)) {
        close(conns[i].fd);
        conns[i].state = IDLE;
        if (measuring) done++;
      }
      if (conns[i].state == IDLE) start(i);
    }
  }
  printf("{\"transactions\":%llu,\"seconds\":%.6f,\"errors\":%llu,\"cpu\":%.6f}\n", done, (t - from) / 1e3,
         errors - errors0, cpu_seconds() - cpu0);
  return 0;
}

static int hold(unsigned count, unsigned conc) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < count + 64) {
    rl.rlim_cur = count + 64;
    if (rl.rlim_max < rl.rlim_cur) rl.rlim_max = rl.rlim_cur;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) die("tcpc: setrlimit(RLIMIT_NOFILE)");
  }
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, NULL);

  conns = calloc(count, sizeof *conns);
  struct epoll_event evs[EVENTS];
  unsigned started = 0, held = 0;
  double t0 = now_ms();
  while (held < count) {
    while (started < count && started - held < conc) start(started++);
    int n = epoll_wait(ep, evs, EVENTS, 100);
    if (n < 0 && errno != EINTR) die("tcpc: epoll_wait");
    for (int k = 0; k < n; k++) {
      unsigned i = evs[k].data.u32;
      if (step(i, evs[k].events)) {
        conns[i].state = HELD;
        if (epoll_ctl(ep, EPOLL_CTL_DEL, conns[i].fd, NULL) != 0) die("tcpc: epoll_ctl");
        held++;
      } else if (conns[i].state == IDLE) {
        start(i); /* a failed one is tried again */
      }
    }
  }
  printf("{\"event\":\"held\",\"count\":%u,\"ms\":%.3f,\"errors\":%llu}\n", count, now_ms() - t0, errors);
  fflush(stdout);
  int sig;
  sigwait(&usr1, &sig);
  double t1 = now_ms();
  for (unsigned i = 0; i < count; i++) close(conns[i].fd);
  printf("{\"event\":\"closed\",\"ms\":%.3f}\n", now_ms() - t1);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tcpc crr ADDR PORT CONCURRENCY WARMUP_MS WINDOW_MS | tcpc hold ADDR PORT COUNT CONCURRENCY\n");
    return 2;
  }
  int is_crr = strcmp(argv[1], "crr") == 0;
  if (!(is_crr && argc == 7) && !(strcmp(argv[1], "hold") == 0 && argc == 6)) {
    fprintf(stderr, "tcpc: bad arguments (see the comment at the top of tcpc.c)\n");
    return 2;
  }
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  dst.sin_port = htons((unsigned short)atoi(argv[3]));
  if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
    fprintf(stderr, "tcpc: bad address %s\n", argv[2]);
    return 2;
  }
  for (int i = 0; i < MSG; i++) msg[i] = (char)('A' + i % 26);
  ep = epoll_create1(0);
  if (ep < 0) die("tcpc: epoll_create1");
  signal(SIGPIPE, SIG_IGN);
  if (is_crr) return crr((unsigned)atoi(argv[4]), atof(argv[5]), atof(argv[6]));
  return hold((unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]));
}
