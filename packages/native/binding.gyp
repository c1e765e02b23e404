# The one N-API addon of @stack: plain C against node_api.h (no C++), Linux only.
# Built by scripts/build.mjs on install (node-gyp against the local Node headers).
# One file per concern, so later work adds fd passing (SCM_RIGHTS), mmap and
# eventfds as src/fdpass.c, src/mmap.c, src/eventfd.c registered in addon.c.
{
  "targets": [
    {
      "target_name": "stack_native",
      "sources": ["src/addon.c", "src/errors.c", "src/tap.c", "src/poll.c", "src/io.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-fvisibility=hidden"]
    }
  ]
}
