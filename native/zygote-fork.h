/* fork(2) for the LMTP zygote, and its reaper: native/zygote-fork.c. */
#ifndef MAILRULES_ZYGOTE_FORK_H
#define MAILRULES_ZYGOTE_FORK_H
#include <node_api.h>

void register_zygote_fork(napi_env env, napi_value exports);

#endif
