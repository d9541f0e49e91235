// The runner's side of the supervisor host (host.c): starting it, and asking it for one supervisor.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sluice_supervisor.h"
#include "host_wire.h"

ssize_t sluice_host_send(int sock, const void *data, size_t size, const int *fds, int count) {
    struct iovec iov = {(void *)data, size};
    char control[CMSG_SPACE(4 * sizeof(int))];
    memset(control, 0, sizeof control);
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (count > 0) {
        if (count > 4) count = 4;
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE((size_t)count * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)count * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)count * sizeof(int));
    }
    ssize_t sent;
    do { sent = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (sent < 0 && errno == EINTR);
    return sent;
}

int sluice_host_start(const char *executable, const char *const *leading, int leading_count, pid_t *pid_out) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) return -errno;
    // Room for a large request (a task's arguments and environment); a request that does not fit is refused with
    // EMSGSIZE and the runner spawns that supervisor itself.
    int size = 4 << 20;
    if (setsockopt(pair[0], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (setsockopt(pair[1], SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        setsockopt(pair[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pair[1], 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Nothing else of the runner's process goes to the host: a pipe a test reads to EOF, a server's listening
    // socket. (The host also closes everything above its socket first thing, for older C libraries.)
    posix_spawn_file_actions_addclosefrom_np(&actions, 4);
#endif
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    const char *argv[16];
    int n = 0;
    argv[n++] = executable;
    for (int k = 0; k < leading_count && n < 12; k++) argv[n++] = leading[k];
    argv[n++] = "--host";
    argv[n++] = "3";
    argv[n] = NULL;
    char *no_environment[] = {NULL};
    pid_t pid = 0;
    int code = posix_spawn(&pid, executable, &actions, &attributes, (char *const *)argv, no_environment);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(pair[1]);
    if (code != 0) {
        close(pair[0]);
        return -code;
    }
    *pid_out = pid;
    return pair[0];
}

int sluice_host_spawn(int sock, const char *const *arguments, int argument_count, const char *const *environment,
                      int environment_count, int err_fd, int lock_fd, int notify_fd, int timeout_ms, int *pidfd_out) {
    *pidfd_out = -1;
    size_t size = 0;
    char count[16];
    int count_length = snprintf(count, sizeof count, "%d", argument_count);
    size += (size_t)count_length + 1;
    for (int k = 0; k < argument_count; k++) size += strlen(arguments[k]) + 1;
    for (int k = 0; k < environment_count; k++) size += strlen(environment[k]) + 1;
    char *buffer = malloc(size);
    if (!buffer) return -ENOMEM;
    char *p = buffer;
    memcpy(p, count, (size_t)count_length + 1);
    p += count_length + 1;
    for (int k = 0; k < argument_count; k++) { size_t l = strlen(arguments[k]) + 1; memcpy(p, arguments[k], l); p += l; }
    for (int k = 0; k < environment_count; k++) { size_t l = strlen(environment[k]) + 1; memcpy(p, environment[k], l); p += l; }

    int fds[3] = {err_fd, lock_fd, notify_fd};
    ssize_t sent = sluice_host_send(sock, buffer, size, fds, 3);
    int send_error = errno;
    free(buffer);
    if (sent < 0) return -send_error;

    int32_t reply[2] = {0, 0};
    struct iovec reply_iov = {reply, sizeof reply};
    char reply_control[CMSG_SPACE(sizeof(int))];
    struct msghdr answer;
    memset(&answer, 0, sizeof answer);
    answer.msg_iov = &reply_iov;
    answer.msg_iovlen = 1;
    answer.msg_control = reply_control;
    answer.msg_controllen = sizeof reply_control;
    // A host that does not answer in time (stopped, or stuck in fork) is the caller's to deal with: whether it
    // forked a supervisor before it stalled is unknown here.
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec += 1; deadline.tv_nsec -= 1000000000L; }
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left = (long long)(deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1000000;
        if (left <= 0) return -ETIMEDOUT;
        struct pollfd readable = {sock, POLLIN, 0};
        int ready = poll(&readable, 1, left > 60000 ? 60000 : (int)left);
        if (ready > 0) break;
        if (ready < 0 && errno != EINTR) return -errno;
    }
    ssize_t got;
    do { got = recvmsg(sock, &answer, MSG_CMSG_CLOEXEC); } while (got < 0 && errno == EINTR);
    if (got < 0) return -errno;
    if (got != (ssize_t)sizeof reply) return -EPIPE;  // the host ended (0 bytes) or answered nonsense
    for (struct cmsghdr *r = CMSG_FIRSTHDR(&answer); r; r = CMSG_NXTHDR(&answer, r)) {
        if (r->cmsg_level == SOL_SOCKET && r->cmsg_type == SCM_RIGHTS && r->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(pidfd_out, CMSG_DATA(r), sizeof(int));
        }
    }
    if (reply[0] <= 0) return -(reply[1] ? reply[1] : EINVAL);
    return reply[0];
}
