/*
 * fork(2) of a warm Node process, for the LMTP service's zygote
 * (src/lmtp/zygote.ts): one root process loads the worker bundle once, and
 * each user's worker is a copy of it that shares its pages copy-on-write,
 * instead of a Node started from nothing (docs/lmtp-zygote.md).
 *
 * Node does not support fork(): this does the least that makes the copy run.
 *   - V8 maps its heap with madvise(MADV_DONTFORK) (the "dc" VmFlag of
 *     /proc/self/smaps, proc(5)); a child without those pages faults at once.
 *     MADV_DOFORK (madvise(2)) undoes it on every such mapping before fork().
 *   - fork(2) keeps only the calling thread. With --single-threaded (the
 *     workers' flags, src/lmtp/worker-flags.ts) V8 has no threads of its own;
 *     libuv's thread pool is started again on first use (its pthread_atfork
 *     handler), and glibc's fork holds malloc's locks across the call.
 *   - libuv's epoll instance, signal pipe and async wakeup are shared with
 *     the parent after fork(); uv_loop_fork() (libuv's uv_loop_fork
 *     documentation: "reinitialize any kernel state necessary in the child
 *     process after a fork(2) system call") makes the child's its own. It
 *     must run before the child returns to its event loop.
 *
 *   fork()  -> { pid, fd }: in the parent pid > 0 and fd its end of a new
 *              socketpair (the child's channel to the service); in the child
 *              pid 0, self its own pid (process.pid keeps the parent's), fd the
 *              child's end. Both ends are close-on-exec: programs a delivery
 *              runs never hold the channel. Throws with the errno.
 *              In the child, before JS runs again: uv_loop_fork(), setsid()
 *              (the worker leads its own process group, as a spawned worker
 *              does: the service kills -pid to end a hung delivery's
 *              programs too) and SIGCHLD back to SIG_DFL (the zygote reaps
 *              with a handler; the worker's own children are libuv's).
 *   reap()  -> [[pid, code, signal], ...]: waitpid(-1, WNOHANG) until no
 *              exited child is left (wait(2)); code -1 when killed by signal.
 *   exit(code) -> never returns: _exit(2). A child must end this way. Node's
 *              own exit joins and frees the threads it started (V8's
 *              platform, the inspector's signal thread), which exist only in
 *              the parent: in the child that walked freed thread stacks and
 *              died of SIGSEGV. A child has nothing to flush that _exit loses:
 *              its socket writes are made at once (libuv writes before it
 *              queues) and stderr is synchronous.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>
#include "zygote-fork.h"

/* Every mapping marked "dc" (do not copy on fork) is made inheritable again. */
static void inherit_all_mappings(void) {
  FILE *f = fopen("/proc/self/smaps", "re");
  char line[512];
  unsigned long start = 0, end = 0;
  if (f == NULL) return;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long a, b;
    /* A mapping's header line starts "start-end "; its fields follow, VmFlags last. */
    if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
      start = a;
      end = b;
    } else if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " dc") != NULL && end > start) {
      madvise((void *)start, end - start, MADV_DOFORK);
    }
  }
  fclose(f);
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char text[128];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, text);
  return NULL;
}

static void set_int(napi_env env, napi_value obj, const char *name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value zygote_fork(napi_env env, napi_callback_info info) {
  int sv[2];
  uv_loop_t *loop;
  napi_value result;
  (void)info;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "no event loop");
    return NULL;
  }
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) return throw_errno(env, "socketpair", errno);
  inherit_all_mappings();
  pid_t pid = fork();
  if (pid == -1) {
    int err = errno;
    close(sv[0]);
    close(sv[1]);
    return throw_errno(env, "fork", err);
  }
  napi_create_object(env, &result);
  if (pid == 0) {
    close(sv[0]);
    int err = uv_loop_fork(loop);
    if (err != 0) {
      /* A child that cannot have its own loop would share the parent's epoll: it must not run on. */
      fprintf(stderr, "zygote child: uv_loop_fork: %s\n", uv_strerror(err));
      _exit(70);
    }
    setsid();
    signal(SIGCHLD, SIG_DFL);
    set_int(env, result, "pid", 0);
    set_int(env, result, "self", (int)getpid());
    set_int(env, result, "fd", sv[1]);
    return result;
  }
  close(sv[1]);
  set_int(env, result, "pid", (int)pid);
  set_int(env, result, "fd", sv[0]);
  return result;
}

static napi_value zygote_reap(napi_env env, napi_callback_info info) {
  napi_value list;
  uint32_t n = 0;
  int status;
  pid_t pid;
  (void)info;
  napi_create_array(env, &list);
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    napi_value entry, v;
    napi_create_array_with_length(env, 3, &entry);
    napi_create_int32(env, (int)pid, &v);
    napi_set_element(env, entry, 0, v);
    napi_create_int32(env, WIFEXITED(status) ? WEXITSTATUS(status) : -1, &v);
    napi_set_element(env, entry, 1, v);
    napi_create_int32(env, WIFSIGNALED(status) ? WTERMSIG(status) : 0, &v);
    napi_set_element(env, entry, 2, v);
    napi_set_element(env, list, n++, entry);
  }
  return list;
}

static napi_value zygote_exit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = 70; /* EX_SOFTWARE: asked to exit without a code */
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1) napi_get_value_int32(env, argv[0], &code);
  _exit(code & 0xff);
  return NULL;
}

void register_zygote_fork(napi_env env, napi_value exports) {
  napi_value f;
  napi_create_function(env, "zygoteFork", NAPI_AUTO_LENGTH, zygote_fork, NULL, &f);
  napi_set_named_property(env, exports, "zygoteFork", f);
  napi_create_function(env, "zygoteReap", NAPI_AUTO_LENGTH, zygote_reap, NULL, &f);
  napi_set_named_property(env, exports, "zygoteReap", f);
  napi_create_function(env, "zygoteExit", NAPI_AUTO_LENGTH, zygote_exit, NULL, &f);
  napi_set_named_property(env, exports, "zygoteExit", f);
}
