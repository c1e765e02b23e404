/*
 * The @stack native addon: module entry. Registers each concern's functions
 * on the exports object (see native.h for the list of files).
 */
#include "native.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!sn_init_tap(env, exports) || !sn_init_poll(env, exports) || !sn_init_io(env, exports)) {
    sn_throw_last(env, "stack_native init");
    return NULL;
  }
  napi_value version;
  if (napi_create_uint32(env, 1, &version) == napi_ok) napi_set_named_property(env, exports, "abiVersion", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
