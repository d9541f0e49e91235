// The supervisor host: one long-lived process per local runner that forks attempt supervisors on request, so
// an attempt costs one exec (the task's) instead of two (supervisor, then task). On these VMs every exec of a
// glibc program costs ~0.6-0.9 ms, most of it CPU feature detection trapping to the hypervisor; a fork of this
// small static process costs ~0.1 ms.
//
//   sluice-supervisor --host FD
//
// FD is one end of a SOCK_SEQPACKET socket pair; the runner holds the other. Each request is one message:
// NUL-terminated strings, the first the decimal count N of argument strings, then the N arguments of a normal
// supervisor call (argv[0] included), then the task's environment ("NAME=value" each), with three descriptors
// attached (SCM_RIGHTS): the attempt's stderr.log, its locked supervisor.lock and the write end of its "started"
// pipe. The host forks; the child arranges them as a spawned supervisor has them (0 and 1 /dev/null, 2 the log,
// 3 the lock, 4 the pipe, nothing else open, the watched signals blocked, default dispositions) and runs
// `sluice_supervisor_main`, which from there on behaves exactly as the stand-alone program (it leaves the
// session with setsid, so it outlives both the host and the runner). The reply is one message: two int32s, the
// child's pid (0 on failure) and an errno, with a pidfd for the child attached when the kernel has pidfds.
//
// The host leaves the runner's session and ignores the terminal's signals (a Ctrl-C meant for the runner must not
// take it), reaps its children as they end, and exits when the runner closes its end.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sluice_supervisor.h"
#include "host_wire.h"

extern char **environ;

static void close_from(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
#endif
    for (int fd = first; fd < 1024; fd++) close(fd);
}

static void send_reply(int sock, int32_t pid, int32_t error, int pidfd) {
    int32_t body[2] = {pid, error};
    sluice_host_send(sock, body, sizeof body, &pidfd, pidfd >= 0 ? 1 : 0);
}

// The child's side: descriptors and signals as a spawned supervisor gets them, then the supervisor itself.
static void become_supervisor(char **argv, int argc, char **envp, const int fds[3]) {
    // Move the three above 4 first, so no dup2 below overwrites one that is still needed.
    int err_fd = fcntl(fds[0], F_DUPFD, 10), lock_fd = fcntl(fds[1], F_DUPFD, 10), notify_fd = fcntl(fds[2], F_DUPFD, 10);
    if (err_fd < 0 || lock_fd < 0 || notify_fd < 0) _exit(71);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0) _exit(71);
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(err_fd, 2);
    dup2(lock_fd, 3);
    dup2(notify_fd, 4);
    close_from(5);
    sigset_t blocked;
    sigemptyset(&blocked);
    int watched[] = {SIGCHLD, SIGUSR1, SIGTERM, SIGINT, SIGHUP};
    for (size_t k = 0; k < sizeof watched / sizeof *watched; k++) sigaddset(&blocked, watched[k]);
    sigprocmask(SIG_SETMASK, &blocked, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
    environ = envp;
    _exit(sluice_supervisor_main(argc, argv));
}

// Parses a request into argv and envp (pointers into `buffer`, which must end with a NUL); -1 when malformed.
static int parse_request(char *buffer, size_t size, char ***argv_out, int *argc_out, char ***envp_out) {
    if (size == 0 || buffer[size - 1] != 0) return -1;
    size_t count = 0;
    for (size_t k = 0; k < size; k++) if (buffer[k] == 0) count++;
    char **strings = calloc(count + 2, sizeof(char *));
    if (!strings) return -1;
    size_t n = 0;
    for (char *p = buffer; p < buffer + size; p += strlen(p) + 1) strings[n++] = p;
    char *end;
    long argc = strtol(strings[0], &end, 10);
    if (*end != 0 || argc < 1 || (size_t)argc > n - 1) { free(strings); return -1; }
    // argv is strings[1 ... argc] followed by a NULL, envp the rest followed by a NULL: shift argv down by one
    // to free a slot for argv's NULL.
    char **argv = strings, **envp = calloc(n - (size_t)argc, sizeof(char *));
    if (!envp) { free(strings); return -1; }
    size_t e = 0;
    for (size_t k = (size_t)argc + 1; k < n; k++) envp[e++] = strings[k];
    envp[e] = NULL;
    for (long k = 0; k < argc; k++) argv[k] = argv[k + 1];
    argv[argc] = NULL;
    *argv_out = argv;
    *argc_out = (int)argc;
    *envp_out = envp;
    return 0;
}

static void serve_one(int sock) {
    // The size first: requests are as large as the task's arguments and environment.
    char probe;
    struct iovec peek_iov = {&probe, 1};
    struct msghdr peek;
    memset(&peek, 0, sizeof peek);
    peek.msg_iov = &peek_iov;
    peek.msg_iovlen = 1;
    ssize_t size;
    do { size = recvmsg(sock, &peek, MSG_PEEK | MSG_TRUNC); } while (size < 0 && errno == EINTR);
    if (size == 0) exit(0);  // the runner closed its end (or died): nothing more will come
    if (size < 0) exit(errno == EAGAIN ? 0 : 1);

    char *buffer = malloc((size_t)size + 1);
    if (!buffer) exit(1);
    struct iovec iov = {buffer, (size_t)size};
    char control[CMSG_SPACE(3 * sizeof(int))];
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got;
    do { got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (got < 0 && errno == EINTR);
    if (got <= 0) exit(got == 0 ? 0 : 1);

    int fds[3] = {-1, -1, -1}, fd_count = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int received[8];
        if (n > 8) n = 8;
        memcpy(received, CMSG_DATA(c), (size_t)n * sizeof(int));
        for (int k = 0; k < n; k++) {
            if (fd_count < 3) fds[fd_count++] = received[k];
            else close(received[k]);
        }
    }
    char **argv = NULL, **envp = NULL;
    int argc = 0;
    if (fd_count != 3 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
        parse_request(buffer, (size_t)got, &argv, &argc, &envp) != 0) {
        for (int k = 0; k < fd_count; k++) close(fds[k]);
        free(buffer);
        send_reply(sock, 0, EINVAL, -1);
        return;
    }
    // The child is born with the supervisor's signals blocked, as a spawned one is: a cancel (SIGUSR1) sent the
    // moment its pid is known waits for it instead of killing it with the default action.
    sigset_t watched, before;
    sigemptyset(&watched);
    int watched_signals[] = {SIGCHLD, SIGUSR1, SIGTERM, SIGINT, SIGHUP};
    for (size_t k = 0; k < sizeof watched_signals / sizeof *watched_signals; k++) sigaddset(&watched, watched_signals[k]);
    sigprocmask(SIG_BLOCK, &watched, &before);
    pid_t child = fork();
    if (child == 0) {
        close(sock);
        become_supervisor(argv, argc, envp, fds);
    }
    int error = child < 0 ? errno : 0;
    sigprocmask(SIG_SETMASK, &before, NULL);
    // A fault for the runner's tests: a host that forked the supervisor and then never answers (as one stuck or
    // stopped at that moment would). Only a task's own environment can ask for it.
    if (child > 0) {
        for (char **e = envp; *e; e++) {
            if (strcmp(*e, "SLUICE_TEST_HOST_STALL_AFTER_FORK=1") == 0) for (;;) pause();
        }
    }
    int pidfd = -1;
#ifdef SYS_pidfd_open
    // Not reaped before this (the SIGCHLD is only read in the loop), so the pid is still the child's.
    if (child > 0) pidfd = (int)syscall(SYS_pidfd_open, child, 0);
#endif
    send_reply(sock, child > 0 ? child : 0, error, pidfd);
    if (pidfd >= 0) close(pidfd);
    for (int k = 0; k < 3; k++) close(fds[k]);
    free(argv);
    free(envp);
    free(buffer);
}

int sluice_supervisor_host(int sock) {
    // Only the socket is ours: whatever else the runner's process had open (a pipe someone reads to EOF, a
    // listening socket) must not be held here for the host's whole life.
    if (sock != 3) {
        if (dup2(sock, 3) < 0) return 1;
        sock = 3;
    }
    close_from(4);
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigset_t child_signal;
    sigemptyset(&child_signal);
    sigaddset(&child_signal, SIGCHLD);
    sigprocmask(SIG_BLOCK, &child_signal, NULL);
    int children = signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK);
    fcntl(sock, F_SETFD, FD_CLOEXEC);
    for (;;) {
        struct pollfd watched[2] = {{sock, POLLIN, 0}, {children, POLLIN, 0}};
        int ready = poll(watched, children >= 0 ? 2 : 1, children >= 0 ? -1 : 1000);
        if (ready < 0 && errno != EINTR) return 1;
        if (children >= 0 && (watched[1].revents & POLLIN)) {
            struct signalfd_siginfo info;
            while (read(children, &info, sizeof info) > 0) {}
        }
        // Supervisors that ended are reaped here (the runner watches them through their pidfds).
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        if (watched[0].revents & (POLLIN | POLLHUP | POLLERR)) serve_one(sock);
    }
}
