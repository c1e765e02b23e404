/*
 * Shared declarations of the @stack native addon (plain C, N-API).
 *
 * Each concern lives in its own file and registers its functions from
 * addon.c: tap.c (open a TAP, vnet header size, offloads), poll.c (a uv_poll
 * reader that drains frames into a JS-owned slab), io.c (batched writes,
 * close). Later: fdpass.c (SCM_RIGHTS), mmap.c, eventfd.c.
 */
#ifndef STACK_NATIVE_H
#define STACK_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <node_api.h>

/* Returns NULL from the enclosing function when a napi call fails (an exception is then pending or thrown). */
#define SN_CALL(env, call)                                                   \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      sn_throw_last(env, #call);                                             \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

/* errors.c */
/* Throws an Error with .code (e.g. 'EPERM'), .errno (number), .syscall and a message for people. */
void sn_throw_errno(napi_env env, int err, const char *syscall, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Throws TypeError/RangeError with code 'ERR_INVALID_ARG_TYPE' / 'ERR_OUT_OF_RANGE'. */
void sn_throw_type(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sn_throw_range(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Throws for a failed napi call unless an exception is already pending. */
void sn_throw_last(napi_env env, const char *what);
/* The symbolic name of an errno value ('EPERM'), or "E<number>". */
const char *sn_errno_name(int err, char *buf, size_t len);

/* Argument helpers: each throws (TypeError/RangeError) and returns false on bad input. */
bool sn_arg_int32(napi_env env, napi_value v, const char *what, int32_t min, int32_t max, int32_t *out);
bool sn_arg_bool(napi_env env, napi_value v, const char *what, bool *out);
bool sn_arg_function(napi_env env, napi_value v, const char *what);
/* Bytes of an ArrayBuffer, a TypedArray or a DataView. */
bool sn_arg_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len);
/* An Int32Array; its element count in *count. */
bool sn_arg_int32_array(napi_env env, napi_value v, const char *what, int32_t **data, size_t *count);
/* Sets obj[name] = number / string. */
bool sn_set_int(napi_env env, napi_value obj, const char *name, int64_t value);
bool sn_set_string(napi_env env, napi_value obj, const char *name, const char *value);

/* Registers a function on exports. */
bool sn_export(napi_env env, napi_value exports, const char *name, napi_callback fn);

/* Per-concern registration. */
bool sn_init_tap(napi_env env, napi_value exports);
bool sn_init_poll(napi_env env, napi_value exports);
bool sn_init_io(napi_env env, napi_value exports);

#endif
