// sluice-supervisor: runs one attempt of a Sluice task and writes down how it ended.
//
//   sluice-supervisor [--memory BYTES] [--cpu MILLICORES] [--lock-fd N] [--notify-fd N] [--workdir PATH]
//                     [--user UID:GID] DIR -- ARGV...
//   sluice-supervisor --host FD      (forks supervisors on request; host.c)
//
// Why a separate C program: an attempt must outlive the controller that started it (as a
// pod outlives a Kubernetes controller), so something other than the controller has to
// wait for the task and record its end. This binary is that something: it starts in well
// under a millisecond, and its whole life is a fork, a wait and two small files. A Swift
// supervisor would load the Swift runtime and Foundation for each attempt (several ms and
// ~20 MB each); a shell script could not wait4, setsid, flock and write JSON reliably.
//
// It links nothing but libc, statically (Package.swift; Sources/sluice-supervisor/runtime_stubs.c
// explains how that works under swiftc): start-up is one exec with no dynamic loading. The same
// code is linked into the `sluice` CLI too, as `sluice __supervise ...`: the fallback when no
// sluice-supervisor binary was built (a plain `swift run sluice`), slower to start but equal in behaviour.
//
// What it does, in order:
//   - leaves the controller's session (setsid), so a controller killed with -9 or a closed
//     terminal does not take the attempt with it;
//   - holds an exclusive flock on DIR/supervisor.lock for its whole life (handed over as
//     --lock-fd by the runner, which took it without a window; taken here otherwise): a lock
//     that is held means "a live supervisor owns this attempt";
//   - puts the task in its own process group (and, when limits are asked for, in its own
//     memory/cpu cgroup, v2 or v1, whichever is writable), with stdout/stderr going straight
//     to DIR/stdout.log and DIR/stderr.log and its working directory DIR/work;
//   - writes DIR/state.json as soon as the task runs and one line to --notify-fd;
//   - SIGUSR1 means "cancel" (the runner writes the grace period in ms to DIR/cancel first):
//     SIGTERM to the task's group, SIGKILL after the grace; the result says killedByUs.
//     SIGTERM/SIGINT to the supervisor itself are passed on but are not "ours";
//   - when the task's main process ends, kills what is left of its group (and cgroup),
//     reaps everything (it is a child subreaper) and writes DIR/result.json (temp + rename).
//
// result.json is not fsynced: after a machine crash the attempt is lost either way, and a
// torn or missing file is read as "lost", which the controller retries.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "sluice_supervisor.h"

static char dir[4096];
// The task's working directory: absolute, or relative to DIR/work; DIR/work when not given.
static const char *workdir = NULL;
static uid_t run_as_uid = (uid_t)-1;  // --user: the account the task runs as (the supervisor stays root)
static gid_t run_as_gid = (gid_t)-1;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void path_in_dir(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/%s", dir, name);
}

// Writes DIR/name through DIR/.name.tmp and rename, so a reader never sees half a file.
static int write_atomically(const char *name, const char *text) {
    char tmp[4200], final[4200];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    path_in_dir(final, sizeof final, name);
    // The task (maybe another user) can create files in DIR: never write through a name it may have planted.
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { close(fd); return -1; }
        done += (size_t)n;
    }
    close(fd);
    return rename(tmp, final);
}

// Writes a system error as the attempt's result; the runner reports it as lost.
static void fail(const char *fmt, ...) {
    char message[1024], json[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    for (char *p = message; *p; p++) if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) *p = ' ';
    snprintf(json, sizeof json, "{\"version\":1,\"error\":\"%s\"}\n", message);
    write_atomically("result.json", json);
    fprintf(stderr, "sluice-supervisor: %s\n", message);
    exit(1);
}

static long long read_number_file(const char *path, long long fallback) {
    FILE *f = fopen(path, "re");
    if (!f) return fallback;
    long long value = fallback;
    if (fscanf(f, "%lld", &value) != 1) value = fallback;
    fclose(f);
    return value;
}

// Field 22 of /proc/PID/stat: start time in clock ticks since boot. With the boot id it
// tells a live process from a later one that reused its pid.
static unsigned long long start_time_of(pid_t pid) {
    char buf[1024], path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    unsigned long long value = 0;
    for (int field = 3; p && field <= 22; field++) p = strchr(p + 1, ' ');
    if (p) value = strtoull(p + 1, NULL, 10);
    return value;
}

static void read_boot_id(char *out, size_t size) {
    out[0] = 0;
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    if (!f) return;
    if (fgets(out, (int)size, f)) out[strcspn(out, "\n")] = 0;
    fclose(f);
}

static void close_other_fds(int keep_a, int keep_b) {
    int highest = keep_a > keep_b ? keep_a : keep_b;
    if (highest < 2) highest = 2;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, highest + 1, ~0U, 0) == 0) return;
#endif
    for (int fd = highest + 1; fd < 1024; fd++) close(fd);
}

static int open_log(const char *name) {
    char path[4200];
    path_in_dir(path, sizeof path, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot open %s: %s", path, strerror(errno));
    return fd;
}

// The task's side of the fork: own group, own cgroups, logs, work dir, clean signals, exec.
static void exec_task(char **argv, int out_fd, int err_fd, struct cgroup_set *cgroups) {
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd >= 0 ? null_fd : 0, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    cgroup_enter(cgroups, getpid());
    if (run_as_uid != (uid_t)-1) {
        // Drop to the task's account for good: supplementary groups, group, then user.
        if (setgroups(0, NULL) != 0 || setgid(run_as_gid) != 0 || setuid(run_as_uid) != 0) {
            dprintf(2, "sluice: cannot switch to uid %u gid %u: %s\n", (unsigned)run_as_uid, (unsigned)run_as_gid, strerror(errno));
            _exit(126);
        }
    }
    char work[8400];
    path_in_dir(work, sizeof work, "work");
    if (workdir && workdir[0] == '/') {
        snprintf(work, sizeof work, "%s", workdir);
    } else if (workdir) {
        size_t used = strlen(work);
        snprintf(work + used, sizeof work - used, "/%s", workdir);
    }
    if (chdir(work) != 0) {
        dprintf(2, "sluice: cannot enter working directory %s: %s\n", work, strerror(errno));
        _exit(127);
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(argv[0], argv);
    int code = errno == ENOENT ? 127 : 126;  // as shells do: not found, found but not runnable
    dprintf(2, "sluice: cannot run '%s': %s\n", argv[0], strerror(errno));
    _exit(code);
}

static void on_child(int sig) { (void)sig; }

int sluice_supervisor_main(int argc, char **argv) {
    // `--host FD`: the long-lived mode that forks supervisors on request (host.c).
    if (argc == 3 && strcmp(argv[1], "--host") == 0) return sluice_supervisor_host(atoi(argv[2]));
    long long memory = -1, cpu = -1;
    int lock_fd = -1, notify_fd = -1, i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i += 2) {
        if (strcmp(argv[i], "--memory") == 0) memory = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--cpu") == 0) cpu = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--lock-fd") == 0) lock_fd = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--notify-fd") == 0) notify_fd = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--workdir") == 0) workdir = argv[i + 1];
        else if (strcmp(argv[i], "--user") == 0) {
            unsigned u, g;
            if (sscanf(argv[i + 1], "%u:%u", &u, &g) != 2) {
                fprintf(stderr, "sluice-supervisor: --user takes UID:GID, found '%s'\n", argv[i + 1]);
                return 2;
            }
            run_as_uid = (uid_t)u;
            run_as_gid = (gid_t)g;
        }
        else break;
    }
    if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0) {
        fprintf(stderr, "usage: sluice-supervisor [--memory BYTES] [--cpu MILLICORES] [--lock-fd N] "
                        "[--notify-fd N] [--workdir PATH] [--user UID:GID] DIR -- COMMAND [ARG...]\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[i]);
    char **task_argv = argv + i + 2;

    // Signals stay blocked and are taken with sigtimedwait; the runner spawns us with them
    // already blocked so that an early cancel waits for us instead of killing us.
    sigset_t watched;
    sigemptyset(&watched);
    int watched_signals[] = {SIGCHLD, SIGUSR1, SIGTERM, SIGINT, SIGHUP};
    for (size_t k = 0; k < sizeof watched_signals / sizeof *watched_signals; k++) sigaddset(&watched, watched_signals[k]);
    sigprocmask(SIG_BLOCK, &watched, NULL);
    signal(SIGCHLD, on_child);  // a handler, so SIGCHLD is never discarded as "ignored"
    signal(SIGPIPE, SIG_IGN);   // the runner may be gone when we notify it
    setsid();

    if (lock_fd < 0) {
        char lock_path[4200];
        path_in_dir(lock_path, sizeof lock_path, "supervisor.lock");
        lock_fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (lock_fd < 0) fail("cannot open %s: %s", lock_path, strerror(errno));
        if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
            fprintf(stderr, "sluice-supervisor: %s already has a live supervisor\n", dir);
            return 75;
        }
    }
    close_other_fds(lock_fd, notify_fd);
    fcntl(lock_fd, F_SETFD, FD_CLOEXEC);
    if (notify_fd >= 0) fcntl(notify_fd, F_SETFD, FD_CLOEXEC);

    int out_fd = open_log("stdout.log"), err_fd = open_log("stderr.log");
    struct cgroup_set cgroups;
    cgroup_prepare(&cgroups, memory, cpu, err_fd);
#ifdef PR_SET_CHILD_SUBREAPER
    prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif

    double started_at = now_seconds();
    pid_t task = fork();
    if (task < 0) fail("cannot start the task: fork: %s", strerror(errno));
    if (task == 0) exec_task(task_argv, out_fd, err_fd, &cgroups);
    setpgid(task, task);  // also done by the child; whichever runs first wins the race

    char boot_id[64], state[512];
    read_boot_id(boot_id, sizeof boot_id);
    snprintf(state, sizeof state,
             "{\"supervisorPid\":%d,\"supervisorStartTime\":%llu,\"taskPid\":%d,\"taskStartTime\":%llu,"
             "\"bootID\":\"%s\",\"startedAt\":%.6f}\n",
             (int)getpid(), start_time_of(getpid()), (int)task, start_time_of(task), boot_id, started_at);
    write_atomically("state.json", state);
    if (notify_fd >= 0) {
        dprintf(notify_fd, "started %d %.6f\n", (int)task, started_at);
        close(notify_fd);
    }

    int status = 0, killed_by_us = 0, done = 0;
    double finished_at = 0;
    struct timespec deadline = {0, 0};
    int deadline_armed = 0;
    while (!done) {
        struct timespec wait_for = {1, 0};
        if (deadline_armed) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long left = (deadline.tv_sec - now.tv_sec) * 1000000000LL + (deadline.tv_nsec - now.tv_nsec);
            if (left <= 0) {
                kill(-task, SIGKILL);
                cgroup_kill_all(&cgroups);
                deadline_armed = 0;
            } else if (left < 1000000000LL) {
                wait_for.tv_sec = 0;
                wait_for.tv_nsec = left;
            }
        }
        int sig = sigtimedwait(&watched, NULL, &wait_for);
        if (sig == SIGUSR1) {
            char cancel_path[4200];
            path_in_dir(cancel_path, sizeof cancel_path, "cancel");
            long long grace_ms = read_number_file(cancel_path, 5000);
            killed_by_us = 1;
            kill(-task, grace_ms > 0 ? SIGTERM : SIGKILL);
            clock_gettime(CLOCK_MONOTONIC, &deadline);
            deadline.tv_sec += grace_ms / 1000;
            deadline.tv_nsec += (grace_ms % 1000) * 1000000LL;
            if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000L; }
            deadline_armed = grace_ms > 0;
        } else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
            kill(-task, sig);
        }
        // Reap on every wake-up: SIGCHLDs coalesce, and orphans of the task come to us too.
        // Peek first (WNOWAIT): while the task's zombie is unreaped, its group id cannot be
        // reused, so the group kill below reaches only what the task left behind.
        for (;;) {
            siginfo_t info;
            info.si_pid = 0;
            if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
            if (info.si_pid != task) {
                waitpid(info.si_pid, NULL, 0);
                continue;
            }
            finished_at = now_seconds();
            // The attempt ends with its main process, as a container does: nothing of it lingers.
            kill(-task, SIGKILL);
            cgroup_kill_all(&cgroups);
            waitpid(task, &status, 0);
            done = 1;
        }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    long long cpu_ms = (long long)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                       (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
    int oom_killed = cgroup_oom_killed(&cgroups);
    cgroup_remove(&cgroups);

    char exit_code[16] = "null", signal_number[16] = "null", result[640];
    if (WIFEXITED(status)) snprintf(exit_code, sizeof exit_code, "%d", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) snprintf(signal_number, sizeof signal_number, "%d", WTERMSIG(status));
    snprintf(result, sizeof result,
             "{\"version\":1,\"taskPid\":%d,\"exitCode\":%s,\"signal\":%s,\"killedByUs\":%s,\"oomKilled\":%s,"
             "\"maxRSSBytes\":%lld,\"cpuMillis\":%lld,\"startedAt\":%.6f,\"finishedAt\":%.6f}\n",
             (int)task, exit_code, signal_number, killed_by_us ? "true" : "false", oom_killed ? "true" : "false",
             (long long)usage.ru_maxrss * 1024, cpu_ms, started_at, finished_at);
    // The end must be on disk before the lock is let go: while it is held the controller sees a live attempt,
    // so a full disk is waited out here instead of leaving a folder that reads as "never started" (which
    // would run a finished task again).
    for (int tries = 0; write_atomically("result.json", result) != 0; tries++) {
        if (tries == 0) fprintf(stderr, "sluice-supervisor: cannot write result.json (%s); retrying every second\n", strerror(errno));
        if (tries >= 86400) fail("cannot write result.json for a day: %s", strerror(errno));
        sleep(1);
    }
    return 0;
}
