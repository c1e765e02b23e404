/*
 * UDP sender for the `wire` benchmark: sends PAYLOAD-byte datagrams to
 * ADDR:PORT as fast as the kernel takes them (sendmmsg, 64 per call, one
 * connected socket) for SECONDS, then prints one JSON line:
 *   {"sent":N,"seconds":S,"errors":E}
 * Built at bench time with the machine's cc (tooling/bench/src/wire/native.ts).
 *   blast ADDR PORT PAYLOAD SECONDS
 * The echoes that come back are never read: the socket's receive buffer is
 * kept small and the kernel drops them once it is full.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: blast ADDR PORT PAYLOAD SECONDS\n");
    return 2;
  }
  struct sockaddr_in dst;
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  dst.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
    fprintf(stderr, "blast: bad address %s\n", argv[1]);
    return 2;
  }
  size_t len = (size_t)atoi(argv[3]);
  double seconds = atof(argv[4]);
  if (len < 1 || len > 1472 || seconds <= 0) {
    fprintf(stderr, "blast: PAYLOAD must be 1..1472 and SECONDS > 0\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
    perror("blast: socket/connect");
    return 1;
  }
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);

  static char payload[1472];
  for (size_t i = 0; i < len; i++) payload[i] = (char)('a' + i % 26);
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = payload;
    iov[i].iov_len = len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  unsigned long long sent = 0, errors = 0;
  double start = now(), end = start + seconds, t = start;
  for (unsigned long calls = 0;; calls++) {
    if ((calls & 15) == 0) {
      t = now();
      if (t >= end) break;
    }
    int n = sendmmsg(fd, msgs, BATCH, 0);
    if (n > 0) {
      sent += (unsigned long long)n;
    } else if (n < 0) {
      /* ECONNREFUSED: an ICMP port unreachable came back (nothing bound yet);
         ENOBUFS/EAGAIN: a full queue. Count and go on. */
      if (errno != ECONNREFUSED && errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
        perror("blast: sendmmsg");
        return 1;
      }
      errors++;
    }
  }
  printf("{\"sent\":%llu,\"seconds\":%.6f,\"errors\":%llu}\n", sent, t - start, errors);
  return 0;
}
