/*
 * Opening a Linux TAP device and negotiating virtio-net offloads.
 *
 *   openTap(name, flags, netns) -> { fd, name, flags }
 *   setVnetHdrSize(fd, bytes)
 *   setOffload(fd, flags) -> accepted flags (probed bit by bit on EINVAL)
 *
 * `flags` are IFF_* bits beyond IFF_TAP | IFF_NO_PI (always set):
 * IFF_VNET_HDR and IFF_MULTI_QUEUE. With `netns` (a path such as
 * /run/netns/NAME, or a bare NAME), the calling thread enters that network
 * namespace for the open and the TUNSETIFF, then returns to its own: the
 * device lives in the target namespace while the fd belongs to this
 * process (a test in the root namespace can own a TAP inside a test
 * namespace). The fd is non-blocking and close-on-exec.
 */
#include "native.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TUN_PATH "/dev/net/tun"
/* The flags a caller may ask for besides IFF_TAP | IFF_NO_PI. */
#define ALLOWED_FLAGS (IFF_VNET_HDR | IFF_MULTI_QUEUE)
/* USO bits (Linux 6.2): headers older than the kernel (Debian 12's are 6.1) lack them; the values are fixed uapi. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif
/* TUN_F_* bits we know of, in the order they are probed; USO4 and USO6 go as a pair (the kernel takes them only together). */
static const unsigned offload_bits[] = {TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TUN_F_TSO_ECN, TUN_F_UFO, TUN_F_USO4 | TUN_F_USO6};

/* A JS string argument into buf (NUL-terminated); throws when too long or not a string. */
static bool arg_string(napi_env env, napi_value v, const char *what, char *buf, size_t size) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    sn_throw_type(env, "%s must be a string", what);
    return false;
  }
  size_t len = 0;
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  if (len >= size) {
    sn_throw_range(env, "%s is too long: at most %zu bytes", what, size - 1);
    return false;
  }
  napi_get_value_string_utf8(env, v, buf, size, &len);
  if (strlen(buf) != len) {
    sn_throw_type(env, "%s must not contain NUL characters", what);
    return false;
  }
  return true;
}

static int open_current_netns(void) {
  int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/ns/net", (int)syscall(SYS_gettid));
    fd = open(path, O_RDONLY | O_CLOEXEC);
  }
  return fd;
}

static void throw_open_error(napi_env env, int err, const char *step, const char *name) {
  if (strcmp(step, "open") == 0) {
    if (err == ENOENT || err == ENODEV || err == ENXIO) {
      sn_throw_errno(env, err, "open", "no " TUN_PATH ": load the tun module (modprobe tun) or create the device node (mknod " TUN_PATH " c 10 200)");
    } else if (err == EACCES || err == EPERM) {
      sn_throw_errno(env, err, "open", "needs root (CAP_NET_ADMIN) to open a TAP: " TUN_PATH " is not accessible");
    } else {
      sn_throw_errno(env, err, "open", "cannot open " TUN_PATH);
    }
    return;
  }
  switch (err) {
    case EPERM:
    case EACCES:
      sn_throw_errno(env, err, "ioctl(TUNSETIFF)", "needs root (CAP_NET_ADMIN) to open a TAP ('%s')", name);
      break;
    case EBUSY:
      sn_throw_errno(env, err, "ioctl(TUNSETIFF)", "TAP '%s' is busy: another fd has it open (create it multi-queue to share it)", name);
      break;
    case EINVAL:
      sn_throw_errno(env, err, "ioctl(TUNSETIFF)",
                     "cannot attach to '%s': a device of that name exists and is not a TAP, or its multi-queue setting differs", name);
      break;
    default:
      sn_throw_errno(env, err, "ioctl(TUNSETIFF)", "cannot create or attach TAP '%s'", name);
  }
}

static napi_value open_tap(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    sn_throw_type(env, "openTap(name, flags, netns?) needs a name and flags");
    return NULL;
  }
  char name[IFNAMSIZ];
  if (!arg_string(env, argv[0], "name", name, sizeof name)) return NULL;
  int32_t flags;
  if (!sn_arg_int32(env, argv[1], "flags", 0, 0xffff, &flags)) return NULL;
  if (flags & ~ALLOWED_FLAGS) {
    sn_throw_range(env, "flags may hold only IFF_VNET_HDR (0x%x) and IFF_MULTI_QUEUE (0x%x), got 0x%x", IFF_VNET_HDR, IFF_MULTI_QUEUE, flags);
    return NULL;
  }
  char netns[4096] = "";
  if (argc >= 3) {
    napi_valuetype t;
    napi_typeof(env, argv[2], &t);
    if (t != napi_undefined && t != napi_null) {
      char given[4000];
      if (!arg_string(env, argv[2], "netns", given, sizeof given)) return NULL;
      if (given[0] == '\0') {
        sn_throw_type(env, "netns must be a namespace name or a path, not empty");
        return NULL;
      }
      if (strchr(given, '/') != NULL) snprintf(netns, sizeof netns, "%s", given);
      else snprintf(netns, sizeof netns, "/run/netns/%s", given);
    }
  }

  int home = -1, target = -1;
  if (netns[0] != '\0') {
    target = open(netns, O_RDONLY | O_CLOEXEC);
    if (target < 0) {
      int err = errno;
      sn_throw_errno(env, err, "open", err == ENOENT ? "no network namespace at %s (ip netns add NAME creates one)"
                                                     : "cannot open network namespace %s", netns);
      return NULL;
    }
    home = open_current_netns();
    if (home < 0) {
      int err = errno;
      close(target);
      sn_throw_errno(env, err, "open", "cannot open this thread's own network namespace (/proc/thread-self/ns/net)");
      return NULL;
    }
    if (setns(target, CLONE_NEWNET) < 0) {
      int err = errno;
      close(target);
      close(home);
      sn_throw_errno(env, err, "setns", err == EPERM ? "needs root (CAP_SYS_ADMIN) to enter network namespace %s"
                                                     : "cannot enter network namespace %s (is it one?)", netns);
      return NULL;
    }
  }

  const char *step = "open";
  int err = 0;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
  } else {
    ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | flags);
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
      err = errno;
      step = "ioctl";
      close(fd);
      fd = -1;
    }
  }

  if (home >= 0) {
    if (setns(home, CLONE_NEWNET) < 0) {
      /* This thread (the JS thread) would go on in the wrong namespace: nothing sane is left to do. */
      napi_fatal_error("stack_native.openTap", NAPI_AUTO_LENGTH,
                       "cannot return to the original network namespace after opening a TAP", NAPI_AUTO_LENGTH);
    }
    close(home);
    close(target);
  }
  if (fd < 0) {
    throw_open_error(env, err, step, name);
    return NULL;
  }

  napi_value result;
  SN_CALL(env, napi_create_object(env, &result));
  char actual[IFNAMSIZ + 1];
  memcpy(actual, ifr.ifr_name, IFNAMSIZ);
  actual[IFNAMSIZ] = '\0';
  if (!sn_set_int(env, result, "fd", fd) || !sn_set_string(env, result, "name", actual) ||
      !sn_set_int(env, result, "flags", (uint16_t)ifr.ifr_flags)) {
    close(fd);
    sn_throw_last(env, "openTap result");
    return NULL;
  }
  return result;
}

static napi_value set_vnet_hdr_size(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, size;
  if (argc < 2 || !sn_arg_int32(env, argv[0], "fd", 0, INT32_MAX, &fd) || !sn_arg_int32(env, argv[1], "size", 10, 64, &size)) {
    if (argc < 2) sn_throw_type(env, "setVnetHdrSize(fd, size) needs two numbers");
    return NULL;
  }
  int sz = size;
  if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
    sn_throw_errno(env, errno, "ioctl(TUNSETVNETHDRSZ)", "cannot set the virtio-net header size to %d (opened without vnetHdr?)", size);
    return NULL;
  }
  return NULL;
}

static napi_value set_offload(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, wanted;
  if (argc < 2 || !sn_arg_int32(env, argv[0], "fd", 0, INT32_MAX, &fd) || !sn_arg_int32(env, argv[1], "flags", 0, 0xffff, &wanted)) {
    if (argc < 2) sn_throw_type(env, "setOffload(fd, flags) needs two numbers");
    return NULL;
  }
  unsigned accepted = (unsigned)wanted;
  if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)accepted) < 0) {
    if (errno != EINVAL) {
      sn_throw_errno(env, errno, "ioctl(TUNSETOFFLOAD)", "cannot set TAP offloads 0x%x", (unsigned)wanted);
      return NULL;
    }
    /* An unknown or refused bit: add the bits one at a time, keeping those the kernel takes. */
    accepted = 0;
    for (size_t i = 0; i < sizeof offload_bits / sizeof offload_bits[0]; i++) {
      unsigned bit = offload_bits[i];
      if (((unsigned)wanted & bit) != bit) continue;
      if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(accepted | bit)) == 0) accepted |= bit;
    }
    /* The last successful call (or none) left exactly `accepted`; make it so when nothing was taken. */
    if (accepted == 0 && ioctl(fd, TUNSETOFFLOAD, 0UL) < 0) {
      sn_throw_errno(env, errno, "ioctl(TUNSETOFFLOAD)", "cannot clear TAP offloads");
      return NULL;
    }
  }
  napi_value result;
  SN_CALL(env, napi_create_uint32(env, accepted, &result));
  return result;
}

/* The IFF_* / TUN_F_* numbers of this kernel's headers, so the JS side never hard-codes a wrong one. */
static bool export_constants(napi_env env, napi_value exports) {
  napi_value c;
  if (napi_create_object(env, &c) != napi_ok) return false;
  return sn_set_int(env, c, "IFF_TAP", IFF_TAP) && sn_set_int(env, c, "IFF_NO_PI", IFF_NO_PI) &&
         sn_set_int(env, c, "IFF_VNET_HDR", IFF_VNET_HDR) && sn_set_int(env, c, "IFF_MULTI_QUEUE", IFF_MULTI_QUEUE) &&
         sn_set_int(env, c, "TUN_F_CSUM", TUN_F_CSUM) && sn_set_int(env, c, "TUN_F_TSO4", TUN_F_TSO4) &&
         sn_set_int(env, c, "TUN_F_TSO6", TUN_F_TSO6) && sn_set_int(env, c, "TUN_F_TSO_ECN", TUN_F_TSO_ECN) &&
         sn_set_int(env, c, "TUN_F_UFO", TUN_F_UFO) && sn_set_int(env, c, "TUN_F_USO4", TUN_F_USO4) &&
         sn_set_int(env, c, "TUN_F_USO6", TUN_F_USO6) && sn_set_int(env, c, "IFNAMSIZ", IFNAMSIZ) &&
         napi_set_named_property(env, exports, "constants", c) == napi_ok;
}

bool sn_init_tap(napi_env env, napi_value exports) {
  return sn_export(env, exports, "openTap", open_tap) && sn_export(env, exports, "setVnetHdrSize", set_vnet_hdr_size) &&
         sn_export(env, exports, "setOffload", set_offload) && export_constants(env, exports);
}
