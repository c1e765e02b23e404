/*
 * Errors and argument checks shared by the addon's functions.
 *
 * A failed system call throws an Error whose `code` is the errno name
 * ('EPERM'), with `errno` (the number) and `syscall`, as Node's own
 * fs/net errors do; the message says what to do about it. The TypeScript
 * wrapper turns these into StackErrors.
 */
#include "native.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
  int value;
  const char *name;
} errno_names[] = {
    {EPERM, "EPERM"},   {ENOENT, "ENOENT"},   {EINTR, "EINTR"},     {EIO, "EIO"},
    {ENXIO, "ENXIO"},   {EBADF, "EBADF"},     {EAGAIN, "EAGAIN"},   {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"}, {EFAULT, "EFAULT"},   {EBUSY, "EBUSY"},     {EEXIST, "EEXIST"},
    {ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"}, {EINVAL, "EINVAL"},   {ENFILE, "ENFILE"},
    {EMFILE, "EMFILE"}, {ENOTTY, "ENOTTY"},   {ENOSPC, "ENOSPC"},   {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"}, {EBADFD, "EBADFD"},   {EMSGSIZE, "EMSGSIZE"}, {EOPNOTSUPP, "EOPNOTSUPP"},
    {ENOBUFS, "ENOBUFS"}, {ENETDOWN, "ENETDOWN"}, {EUSERS, "EUSERS"},
};

const char *sn_errno_name(int err, char *buf, size_t len) {
  for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++) {
    if (errno_names[i].value == err) return errno_names[i].name;
  }
  snprintf(buf, len, "E%d", err);
  return buf;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value v = NULL;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

void sn_throw_errno(napi_env env, int err, const char *syscall, const char *fmt, ...) {
  char message[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  char namebuf[16];
  const char *name = sn_errno_name(err, namebuf, sizeof namebuf);
  if (n >= 0 && (size_t)n < sizeof message) {
    snprintf(message + n, sizeof message - (size_t)n, " (%s: %s, %s)", syscall, name, strerror(err));
  }
  napi_value error;
  if (napi_create_error(env, make_string(env, name), make_string(env, message), &error) != napi_ok) return;
  napi_value number;
  napi_create_int32(env, err, &number);
  napi_set_named_property(env, error, "errno", number);
  napi_set_named_property(env, error, "syscall", make_string(env, syscall));
  napi_throw(env, error);
}

void sn_throw_type(napi_env env, const char *fmt, ...) {
  char message[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
}

void sn_throw_range(napi_env env, const char *fmt, ...) {
  char message[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
}

void sn_throw_last(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  char message[256];
  snprintf(message, sizeof message, "stack_native: %s failed: %s", what,
           info != NULL && info->error_message != NULL ? info->error_message : "unknown N-API error");
  napi_throw_error(env, "ERR_NATIVE", message);
}

bool sn_arg_int32(napi_env env, napi_value v, const char *what, int32_t min, int32_t max, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) {
    sn_throw_type(env, "%s must be a number", what);
    return false;
  }
  double d;
  napi_get_value_double(env, v, &d);
  if (!(d >= (double)min && d <= (double)max) || d != (double)(int64_t)d) {
    sn_throw_range(env, "%s must be an integer in %d..%d", what, min, max);
    return false;
  }
  *out = (int32_t)d;
  return true;
}

bool sn_arg_bool(napi_env env, napi_value v, const char *what, bool *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_boolean) {
    sn_throw_type(env, "%s must be a boolean", what);
    return false;
  }
  napi_get_value_bool(env, v, out);
  return true;
}

bool sn_arg_function(napi_env env, napi_value v, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_function) {
    sn_throw_type(env, "%s must be a function", what);
    return false;
  }
  return true;
}

bool sn_arg_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
  bool is = false;
  void *p = NULL;
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
    if (napi_get_arraybuffer_info(env, v, &p, len) != napi_ok) goto bad;
    *data = p;
    return true;
  }
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t length, offset;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset) != napi_ok) goto bad;
    size_t elem = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: elem = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
      default: elem = 1;
    }
    *data = p;
    *len = length * elem;
    return true;
  }
  if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    napi_value ab;
    size_t offset;
    if (napi_get_dataview_info(env, v, len, &p, &ab, &offset) != napi_ok) goto bad;
    *data = p;
    return true;
  }
bad:
  sn_throw_type(env, "%s must be an ArrayBuffer, a TypedArray or a DataView", what);
  return false;
}

bool sn_arg_int32_array(napi_env env, napi_value v, const char *what, int32_t **data, size_t *count) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) {
    sn_throw_type(env, "%s must be an Int32Array", what);
    return false;
  }
  napi_typedarray_type type;
  void *p;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, count, &p, &ab, &offset) != napi_ok || type != napi_int32_array) {
    sn_throw_type(env, "%s must be an Int32Array", what);
    return false;
  }
  *data = p;
  return true;
}

bool sn_set_int(napi_env env, napi_value obj, const char *name, int64_t value) {
  napi_value v;
  return napi_create_int64(env, value, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

bool sn_set_string(napi_env env, napi_value obj, const char *name, const char *value) {
  napi_value v;
  return napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v) == napi_ok &&
         napi_set_named_property(env, obj, name, v) == napi_ok;
}

bool sn_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f) == napi_ok &&
         napi_set_named_property(env, exports, name, f) == napi_ok;
}
