/*
 * Synchronous fcntl() write locks for the delivery agent (src/deliver/kernel-lock.ts).
 *
 * Why our own addon: os-lock runs every lock call on libuv's thread pool, and
 * starting that pool plus resolving the package cost ~2 ms of a ~30 ms
 * delivery (docs/node-runtime.md). F_SETLK never blocks, so calling it on the main thread
 * is safe; waiting is done in JS with a growing pause (KERNEL_LOCK_RETRY_*).
 *
 *   lock(fd, start)   -> 0, or the errno of F_SETLK (F_WRLCK, start..EOF)
 *   unlock(fd, start) -> 0, or the errno of F_SETLK (F_UNLCK, start..EOF)
 *   EAGAIN, EACCES    -> this platform's values: "someone else holds it"
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <node_api.h>
#include "os-pipe.h"
#include "zygote-fork.h"

static int set_lock(int fd, short type, off_t start) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = 0; /* to the end of the file, however it grows */
  while (fcntl(fd, F_SETLK, &fl) == -1) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

static napi_value call(napi_env env, napi_callback_info info, short type) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1;
  int64_t start = 0;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &start) != napi_ok ||
      fd < 0 || start < 0) {
    napi_throw_type_error(env, NULL, "expected (fd, start)");
    return NULL;
  }
  napi_create_int32(env, set_lock(fd, type, (off_t)start), &result);
  return result;
}

static napi_value lock(napi_env env, napi_callback_info info) { return call(env, info, F_WRLCK); }
static napi_value unlock(napi_env env, napi_callback_info info) { return call(env, info, F_UNLCK); }

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  napi_set_named_property(env, exports, name, f);
}

static void export_int(napi_env env, napi_value exports, const char *name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, exports, name, v);
}

static napi_value init(napi_env env, napi_value exports) {
  export_fn(env, exports, "lock", lock);
  export_fn(env, exports, "unlock", unlock);
  export_int(env, exports, "EAGAIN", EAGAIN);
  export_int(env, exports, "EACCES", EACCES);
  /* The same addon also makes real pipes for programs (native/os-pipe.c): one file to build, load and preload. */
  register_os_pipe(env, exports);
  /* And the LMTP zygote's fork (native/zygote-fork.c). */
  register_zygote_fork(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
