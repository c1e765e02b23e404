/*
 * A poller over one non-blocking fd (libuv's uv_poll on the JS thread's loop).
 *
 *   pollerCreate(fd, slab, slotSize, slots, lengths, onRead, onWritable) -> poller
 *   pollerSet(poller, readable, writable)   start/stop watching (false, false: stopped)
 *   pollerRef(poller, ref)                   whether it keeps the loop alive while watching
 *   pollerClose(poller)                      uv_close; idempotent
 *
 * On each readable wake-up it drains up to `slots` frames with read(), frame i
 * into slab[i * slotSize, (i + 1) * slotSize) and its length into lengths[i],
 * then makes ONE JS call: onRead(count, errno). A length greater than
 * slotSize means the frame did not fit (the kernel reports its whole size).
 * errno is 0, or the error that stopped the drain (reading is then stopped:
 * the device is gone). The slab and lengths are JS memory the JS side owns
 * and reads during the call; this side keeps them alive with references.
 * onWritable() is called once when the fd becomes writable after
 * pollerSet(p, _, true), and the writable watch then ends.
 *
 * Memory: the poller is freed once both its uv handle has closed and its JS
 * handle (an External) was collected, so a stale JS handle never points at
 * freed memory.
 */
#include "native.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#define POLLER_MAGIC 0x504f4c4cu /* "POLL" */

typedef struct poller {
  uint32_t magic;
  napi_env env;
  uv_poll_t handle;
  int fd;
  uint8_t *slab;
  size_t slot_size;
  uint32_t slots;
  int32_t *lengths;
  napi_ref slab_ref;
  napi_ref lengths_ref;
  napi_ref on_read;
  napi_ref on_writable;
  napi_async_context async;
  int events;       /* UV_READABLE | UV_WRITABLE currently watched */
  bool closing;     /* uv_close was called */
  bool closed;      /* its close callback ran */
  bool finalized;   /* the External was collected */
} poller_t;

static void poller_free(poller_t *p) {
  p->magic = 0;
  free(p);
}

static void on_closed(uv_handle_t *h) {
  poller_t *p = h->data;
  p->closed = true;
  if (p->finalized) poller_free(p);
}

static void delete_ref(napi_env env, napi_ref *ref) {
  if (*ref != NULL) {
    napi_delete_reference(env, *ref);
    *ref = NULL;
  }
}

/* Stops watching, drops the JS references and closes the uv handle (the fd stays open: the caller owns it). */
static void poller_begin_close(poller_t *p) {
  if (p->closing) return;
  p->closing = true;
  p->events = 0;
  napi_env env = p->env;
  delete_ref(env, &p->slab_ref);
  delete_ref(env, &p->lengths_ref);
  delete_ref(env, &p->on_read);
  delete_ref(env, &p->on_writable);
  if (p->async != NULL) {
    napi_async_destroy(env, p->async);
    p->async = NULL;
  }
  p->slab = NULL;
  p->lengths = NULL;
  uv_close((uv_handle_t *)&p->handle, on_closed);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  poller_t *p = data;
  p->finalized = true;
  if (!p->closing) poller_begin_close(p);
  else if (p->closed) poller_free(p);
}

/* Calls a JS callback from a libuv callback; an exception it throws becomes an uncaught exception. */
static void call_js(poller_t *p, napi_ref ref, size_t argc, const napi_value *argv) {
  napi_env env = p->env;
  napi_value fn, global, result;
  if (ref == NULL || napi_get_reference_value(env, ref, &fn) != napi_ok || fn == NULL) return;
  napi_get_global(env, &global); /* napi_make_callback needs an object receiver */
  napi_status s = napi_make_callback(env, p->async, global, fn, argc, argv, &result);
  if (s == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

static int apply_events(poller_t *p, int events);

static void on_poll(uv_poll_t *h, int status, int events) {
  poller_t *p = h->data;
  if (p->closing) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  if (status < 0) {
    /* The fd went bad under the poller: report it as a read error and stop. */
    int err = -status;
    apply_events(p, 0);
    napi_value argv[2];
    napi_create_uint32(env, 0, &argv[0]);
    napi_create_int32(env, err, &argv[1]);
    call_js(p, p->on_read, 2, argv);
  } else {
    if ((events & UV_READABLE) && (p->events & UV_READABLE)) {
      uint32_t n = 0;
      int err = 0;
      while (n < p->slots) {
        ssize_t r = read(p->fd, p->slab + (size_t)n * p->slot_size, p->slot_size);
        if (r < 0) {
          if (errno == EINTR) continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK) err = errno;
          break;
        }
        p->lengths[n++] = r > INT32_MAX ? INT32_MAX : (int32_t)r;
      }
      if (err != 0) apply_events(p, p->events & ~UV_READABLE);
      if (n > 0 || err != 0) {
        napi_value argv[2];
        napi_create_uint32(env, n, &argv[0]);
        napi_create_int32(env, err, &argv[1]);
        call_js(p, p->on_read, 2, argv);
      }
    }
    /* The JS call may have closed us or changed what we watch. */
    if (!p->closing && (events & UV_WRITABLE) && (p->events & UV_WRITABLE)) {
      apply_events(p, p->events & ~UV_WRITABLE);
      call_js(p, p->on_writable, 0, NULL);
    }
  }
  napi_close_handle_scope(env, scope);
}

static int apply_events(poller_t *p, int events) {
  if (p->closing) return 0;
  p->events = events;
  if (events == 0) return uv_poll_stop(&p->handle);
  return uv_poll_start(&p->handle, events, on_poll);
}

static poller_t *arg_poller(napi_env env, napi_value v) {
  napi_valuetype t;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &data) != napi_ok ||
      data == NULL || ((poller_t *)data)->magic != POLLER_MAGIC) {
    sn_throw_type(env, "poller must be a handle returned by pollerCreate");
    return NULL;
  }
  return data;
}

static napi_value poller_create(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) {
    sn_throw_type(env, "pollerCreate(fd, slab, slotSize, slots, lengths, onRead, onWritable) needs 7 arguments");
    return NULL;
  }
  int32_t fd, slot_size, slots;
  if (!sn_arg_int32(env, argv[0], "fd", 0, INT32_MAX, &fd)) return NULL;
  bool is_ab = false;
  napi_is_arraybuffer(env, argv[1], &is_ab);
  if (!is_ab) {
    sn_throw_type(env, "slab must be an ArrayBuffer");
    return NULL;
  }
  void *slab;
  size_t slab_len;
  SN_CALL(env, napi_get_arraybuffer_info(env, argv[1], &slab, &slab_len));
  if (!sn_arg_int32(env, argv[2], "slotSize", 64, 1 << 20, &slot_size)) return NULL;
  if (!sn_arg_int32(env, argv[3], "slots", 1, 4096, &slots)) return NULL;
  if ((size_t)slot_size * (size_t)slots > slab_len) {
    sn_throw_range(env, "slab holds %zu bytes, fewer than slots * slotSize = %d * %d", slab_len, slots, slot_size);
    return NULL;
  }
  int32_t *lengths;
  size_t nlengths;
  if (!sn_arg_int32_array(env, argv[4], "lengths", &lengths, &nlengths)) return NULL;
  if (nlengths < (size_t)slots) {
    sn_throw_range(env, "lengths has %zu entries, fewer than slots (%d)", nlengths, slots);
    return NULL;
  }
  if (!sn_arg_function(env, argv[5], "onRead") || !sn_arg_function(env, argv[6], "onWritable")) return NULL;

  uv_loop_t *loop;
  SN_CALL(env, napi_get_uv_event_loop(env, &loop));
  poller_t *p = calloc(1, sizeof *p);
  if (p == NULL) {
    sn_throw_errno(env, ENOMEM, "calloc", "out of memory for a poller");
    return NULL;
  }
  p->magic = POLLER_MAGIC;
  p->env = env;
  p->fd = fd;
  p->slab = slab;
  p->slot_size = (size_t)slot_size;
  p->slots = (uint32_t)slots;
  p->lengths = lengths;
  int r = uv_poll_init(loop, &p->handle, fd);
  if (r < 0) {
    free(p);
    sn_throw_errno(env, -r, "uv_poll_init", "cannot watch fd %d", fd);
    return NULL;
  }
  p->handle.data = p;
  napi_value name, external;
  if (napi_create_reference(env, argv[1], 1, &p->slab_ref) != napi_ok ||
      napi_create_reference(env, argv[4], 1, &p->lengths_ref) != napi_ok ||
      napi_create_reference(env, argv[5], 1, &p->on_read) != napi_ok ||
      napi_create_reference(env, argv[6], 1, &p->on_writable) != napi_ok ||
      napi_create_string_utf8(env, "stack_native.poller", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &p->async) != napi_ok ||
      napi_create_external(env, p, on_finalize, NULL, &external) != napi_ok) {
    sn_throw_last(env, "pollerCreate");
    p->finalized = true; /* no External owns it: free once closed */
    poller_begin_close(p);
    return NULL;
  }
  return external;
}

static napi_value poller_set(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    sn_throw_type(env, "pollerSet(poller, readable, writable) needs 3 arguments");
    return NULL;
  }
  poller_t *p = arg_poller(env, argv[0]);
  bool readable, writable;
  if (p == NULL || !sn_arg_bool(env, argv[1], "readable", &readable) || !sn_arg_bool(env, argv[2], "writable", &writable)) return NULL;
  if (p->closing) {
    napi_throw_error(env, "ERR_CLOSED", "pollerSet: the poller is closed");
    return NULL;
  }
  int r = apply_events(p, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0));
  if (r < 0) sn_throw_errno(env, -r, "uv_poll_start", "cannot watch fd %d", p->fd);
  return NULL;
}

static napi_value poller_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    sn_throw_type(env, "pollerRef(poller, ref) needs 2 arguments");
    return NULL;
  }
  poller_t *p = arg_poller(env, argv[0]);
  bool ref;
  if (p == NULL || !sn_arg_bool(env, argv[1], "ref", &ref)) return NULL;
  if (p->closing) return NULL;
  if (ref) uv_ref((uv_handle_t *)&p->handle);
  else uv_unref((uv_handle_t *)&p->handle);
  return NULL;
}

static napi_value poller_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    sn_throw_type(env, "pollerClose(poller) needs the poller");
    return NULL;
  }
  poller_t *p = arg_poller(env, argv[0]);
  if (p != NULL) poller_begin_close(p);
  return NULL;
}

bool sn_init_poll(napi_env env, napi_value exports) {
  return sn_export(env, exports, "pollerCreate", poller_create) && sn_export(env, exports, "pollerSet", poller_set) &&
         sn_export(env, exports, "pollerRef", poller_ref) && sn_export(env, exports, "pollerClose", poller_close);
}
