/* pipe(2) and a pump for the dry run's synchronous programs: native/os-pipe.c. */
#ifndef MAILRULES_OS_PIPE_H
#define MAILRULES_OS_PIPE_H
#include <node_api.h>

void register_os_pipe(napi_env env, napi_value exports);

#endif
