/*
 * Real pipes for the programs mailrules runs (src/deliver/os-pipe.ts).
 *
 * Why: libuv's stdio 'pipe' is a socketpair. procmail gives its children
 * pipe(2) ends (pipes.c), and programs tell the two apart: bash -c with a
 * socket as stdin takes itself for a command run by rshd and sources
 * ~/.bashrc (bash's shell.c, run_startup_files); `test -p`, isatty-style
 * fstat checks, tee and dd behave differently on sockets. Node has no
 * pipe(2), hence this.
 *
 *   pipe()                 -> [readFd, writeFd], both close-on-exec, or the errno
 *   close(fd)              -> 0 or the errno (Node's fs.closeSync warns, in a worker
 *                             thread, about descriptors it did not open itself)
 *   pumpStart(inFd, input, outFd, errFd, maxBytes) -> handle
 *       Feeds `input` to inFd and collects what outFd and errFd carry, on a
 *       thread of its own, while the caller blocks in spawnSync (the dry run
 *       is synchronous). Any fd may be -1. The input is written at once as
 *       far as the pipe takes it, before the program exists, as procmail
 *       writes right after fork(). The pump owns the three fds from the
 *       call on, even when it throws (it has closed them then).
 *   pumpFinish(handle, waitMs) -> { written, writeErrno, stdout, stderr, overflow, timedOut }
 *       Call once the program has exited and the caller has closed its
 *       copies of the program's ends: stops the thread, then drains on the
 *       calling thread until every fd is at its end or waitMs (-1: no limit)
 *       has passed, and closes the fds.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <node_api.h>
#include "os-pipe.h"

#define READ_CHUNK 65536

struct sink {
  int fd;
  char *buf;
  size_t len, cap;
};

struct pump {
  int in_fd;
  char *in_buf;
  size_t in_len, in_off;
  int in_errno;
  struct sink out, err;
  size_t max;
  int overflow;
  int cancel_r, cancel_w;
  pthread_t thread;
  int finished;
};

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags == -1 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Writes what the pipe takes now; closes the fd when all is written or writing failed (EPIPE: the reader is gone). */
static void feed(struct pump *p) {
  while (p->in_fd >= 0 && p->in_off < p->in_len) {
    ssize_t n = write(p->in_fd, p->in_buf + p->in_off, p->in_len - p->in_off);
    if (n >= 0) {
      p->in_off += (size_t)n;
    } else if (errno == EAGAIN) {
      return;
    } else if (errno != EINTR) {
      p->in_errno = errno;
      close_fd(&p->in_fd);
    }
  }
  close_fd(&p->in_fd);
}

/* Reads what is there; at the end (or on an error) the fd is closed. Past `max` bytes the rest is read and dropped. */
static void drain(struct pump *p, struct sink *s) {
  char chunk[READ_CHUNK];
  while (s->fd >= 0) {
    ssize_t n = read(s->fd, chunk, sizeof chunk);
    if (n > 0) {
      size_t room = s->len < p->max ? p->max - s->len : 0;
      size_t take = (size_t)n < room ? (size_t)n : room;
      if (take < (size_t)n) p->overflow = 1;
      if (take > 0) {
        if (s->len + take > s->cap) {
          size_t cap = s->cap ? s->cap : READ_CHUNK;
          while (cap < s->len + take) cap *= 2;
          char *grown = realloc(s->buf, cap);
          if (grown == NULL) {
            p->overflow = 1;
            continue;
          }
          s->buf = grown;
          s->cap = cap;
        }
        memcpy(s->buf + s->len, chunk, take);
        s->len += take;
      }
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      close_fd(&s->fd);
    } else if (errno == EAGAIN) {
      return;
    }
  }
}

/*
 * Moves the data until every fd is done (1), or the deadline passes, or
 * the cancel pipe becomes readable (0). deadline < 0: none.
 */
static int pump_run(struct pump *p, int cancel_fd, int64_t deadline) {
  for (;;) {
    struct pollfd fds[4];
    int n = 0, in_i = -1, out_i = -1, err_i = -1, cancel_i = -1;
    if (p->in_fd >= 0) fds[in_i = n++] = (struct pollfd){ p->in_fd, POLLOUT, 0 };
    if (p->out.fd >= 0) fds[out_i = n++] = (struct pollfd){ p->out.fd, POLLIN, 0 };
    if (p->err.fd >= 0) fds[err_i = n++] = (struct pollfd){ p->err.fd, POLLIN, 0 };
    if (n == 0) return 1;
    if (cancel_fd >= 0) fds[cancel_i = n++] = (struct pollfd){ cancel_fd, POLLIN, 0 };
    int timeout = -1;
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      timeout = left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
    }
    int r = poll(fds, (nfds_t)n, timeout);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0;
    if (cancel_i >= 0 && fds[cancel_i].revents) return 0;
    if (in_i >= 0 && fds[in_i].revents) feed(p);
    if (out_i >= 0 && fds[out_i].revents) drain(p, &p->out);
    if (err_i >= 0 && fds[err_i].revents) drain(p, &p->err);
  }
}

static void *pump_thread(void *arg) {
  struct pump *p = arg;
  pump_run(p, p->cancel_r, -1);
  return NULL;
}

/* Stops the thread (once): after this only the calling thread touches the pump. */
static void stop_thread(struct pump *p) {
  if (p->cancel_w < 0) return;
  while (write(p->cancel_w, "x", 1) == -1 && errno == EINTR) {
  }
  pthread_join(p->thread, NULL);
  close_fd(&p->cancel_w);
  close_fd(&p->cancel_r);
}

static void pump_free(struct pump *p) {
  stop_thread(p);
  close_fd(&p->in_fd);
  close_fd(&p->out.fd);
  close_fd(&p->err.fd);
  free(p->in_buf);
  free(p->out.buf);
  free(p->err.buf);
  free(p);
}

static void pump_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  pump_free(data);
}

static napi_value os_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  napi_value result;
  if (pipe2(fds, O_CLOEXEC) == -1) {
    napi_create_int32(env, errno, &result);
    return result;
  }
  napi_value r, w;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int32(env, fds[0], &r);
  napi_create_int32(env, fds[1], &w);
  napi_set_element(env, result, 0, r);
  napi_set_element(env, result, 1, w);
  return result;
}

static napi_value os_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "expected (fd)");
    return NULL;
  }
  /* Linux releases the descriptor even when close() fails with EINTR: never retried. */
  napi_create_int32(env, close(fd) == -1 ? errno : 0, &result);
  return result;
}

static napi_value pump_start(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  int32_t in_fd, out_fd, err_fd;
  int64_t max;
  void *data = NULL;
  size_t len = 0;
  bool is_buffer = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 ||
      napi_get_value_int32(env, argv[0], &in_fd) != napi_ok || napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok || napi_get_value_int32(env, argv[2], &out_fd) != napi_ok ||
      napi_get_value_int32(env, argv[3], &err_fd) != napi_ok || napi_get_value_int64(env, argv[4], &max) != napi_ok || max < 0) {
    napi_throw_type_error(env, NULL, "expected (inFd, input, outFd, errFd, maxBytes)");
    return NULL;
  }
  struct pump *p = calloc(1, sizeof *p);
  char *copy = malloc(len > 0 ? len : 1);
  int cancel[2] = { -1, -1 };
  if (p == NULL || copy == NULL) {
    free(p);
    free(copy);
    if (in_fd >= 0) close(in_fd);
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
    napi_throw_error(env, NULL, strerror(ENOMEM));
    return NULL;
  }
  memcpy(copy, data, len);
  p->in_fd = in_fd;
  p->in_buf = copy;
  p->in_len = len;
  p->out.fd = out_fd;
  p->err.fd = err_fd;
  p->max = (size_t)max;
  p->cancel_r = p->cancel_w = -1;
  if ((in_fd >= 0 && set_nonblocking(in_fd) == -1) || (out_fd >= 0 && set_nonblocking(out_fd) == -1) ||
      (err_fd >= 0 && set_nonblocking(err_fd) == -1) || pipe2(cancel, O_CLOEXEC) == -1) {
    int err = errno;
    pump_free(p);
    napi_throw_error(env, NULL, strerror(err));
    return NULL;
  }
  feed(p);
  p->cancel_r = cancel[0];
  p->cancel_w = cancel[1];
  int err = pthread_create(&p->thread, NULL, pump_thread, p);
  if (err != 0) {
    close_fd(&p->cancel_r);
    close_fd(&p->cancel_w);
    pump_free(p);
    napi_throw_error(env, NULL, strerror(err));
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, p, pump_finalize, NULL, &handle) != napi_ok) {
    pump_free(p);
    napi_throw_error(env, NULL, "pumpStart: no handle");
    return NULL;
  }
  return handle;
}

static napi_value buffer_of(napi_env env, const struct sink *s) {
  napi_value b;
  void *unused;
  napi_create_buffer_copy(env, s->len, s->len > 0 ? s->buf : "", &unused, &b);
  return b;
}

static void set_int(napi_env env, napi_value obj, const char *name, int64_t value) {
  napi_value v;
  napi_create_int64(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static void set_bool(napi_env env, napi_value obj, const char *name, int value) {
  napi_value v;
  napi_get_boolean(env, value != 0, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value pump_finish(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *data = NULL;
  int64_t wait_ms = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_value_external(env, argv[0], &data) != napi_ok ||
      data == NULL || napi_get_value_int64(env, argv[1], &wait_ms) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected (handle, waitMs)");
    return NULL;
  }
  struct pump *p = data;
  if (p->finished) {
    napi_throw_error(env, NULL, "pumpFinish: already finished");
    return NULL;
  }
  stop_thread(p);
  int done = pump_run(p, -1, wait_ms < 0 ? -1 : now_ms() + wait_ms);
  napi_value result;
  napi_create_object(env, &result);
  set_int(env, result, "written", (int64_t)p->in_off);
  set_int(env, result, "writeErrno", p->in_errno);
  napi_set_named_property(env, result, "stdout", buffer_of(env, &p->out));
  napi_set_named_property(env, result, "stderr", buffer_of(env, &p->err));
  set_bool(env, result, "overflow", p->overflow);
  set_bool(env, result, "timedOut", !done);
  close_fd(&p->in_fd);
  close_fd(&p->out.fd);
  close_fd(&p->err.fd);
  free(p->in_buf);
  free(p->out.buf);
  free(p->err.buf);
  p->in_buf = p->out.buf = p->err.buf = NULL;
  p->finished = 1;
  /* The struct itself goes with the handle (pump_finalize). */
  return result;
}

void register_os_pipe(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = { { "pipe", os_pipe }, { "close", os_close }, { "pumpStart", pump_start }, { "pumpFinish", pump_finish } };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  napi_value v;
  napi_create_int32(env, EPIPE, &v);
  napi_set_named_property(env, exports, "EPIPE", v);
}
