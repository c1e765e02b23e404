/*
 * Batched writes and closing an fd.
 *
 *   writeFrames(fd, buf, offsets, lengths, count) -> frames consumed
 *   closeFd(fd)
 *
 * writeFrames writes frame i = buf[offsets[i], offsets[i] + lengths[i]) with
 * one write() each (a TAP takes one frame per write), in order, in one call
 * from JS. It stops at EAGAIN and returns how many frames were consumed; a
 * frame that failed with another error is skipped and its lengths[i] is
 * overwritten with -errno, so the caller can count it. Every range is
 * checked before anything is written.
 */
#include "native.h"

#include <errno.h>
#include <unistd.h>

static napi_value write_frames(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    sn_throw_type(env, "writeFrames(fd, buf, offsets, lengths, count) needs 5 arguments");
    return NULL;
  }
  int32_t fd, count;
  uint8_t *buf;
  size_t buf_len, noffsets, nlengths;
  int32_t *offsets, *lengths;
  if (!sn_arg_int32(env, argv[0], "fd", 0, INT32_MAX, &fd) || !sn_arg_bytes(env, argv[1], "buf", &buf, &buf_len) ||
      !sn_arg_int32_array(env, argv[2], "offsets", &offsets, &noffsets) ||
      !sn_arg_int32_array(env, argv[3], "lengths", &lengths, &nlengths) ||
      !sn_arg_int32(env, argv[4], "count", 0, INT32_MAX, &count)) {
    return NULL;
  }
  if ((size_t)count > noffsets || (size_t)count > nlengths) {
    sn_throw_range(env, "count %d exceeds offsets (%zu) or lengths (%zu)", count, noffsets, nlengths);
    return NULL;
  }
  for (int32_t i = 0; i < count; i++) {
    if (offsets[i] < 0 || lengths[i] < 0 || (size_t)offsets[i] + (size_t)lengths[i] > buf_len) {
      sn_throw_range(env, "frame %d: offset %d + length %d is outside the %zu-byte buffer", i, offsets[i], lengths[i], buf_len);
      return NULL;
    }
  }
  int32_t i = 0;
  while (i < count) {
    ssize_t r = write(fd, buf + offsets[i], (size_t)lengths[i]);
    if (r < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (err == EBADF) {
        sn_throw_errno(env, err, "write", "fd %d is not open", fd);
        return NULL;
      }
      lengths[i] = -err; /* dropped: the caller counts it */
    }
    i++;
  }
  napi_value result;
  SN_CALL(env, napi_create_int32(env, i, &result));
  return result;
}

static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  SN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1) {
    sn_throw_type(env, "closeFd(fd) needs the fd");
    return NULL;
  }
  if (!sn_arg_int32(env, argv[0], "fd", 0, INT32_MAX, &fd)) return NULL;
  if (close(fd) < 0 && errno != EINTR) {
    sn_throw_errno(env, errno, "close", "cannot close fd %d", fd);
    return NULL;
  }
  return NULL;
}

bool sn_init_io(napi_env env, napi_value exports) {
  return sn_export(env, exports, "writeFrames", write_frames) && sn_export(env, exports, "closeFd", close_fd);
}
