#ifndef SLUICE_SUPERVISOR_H
#define SLUICE_SUPERVISOR_H

/// Supervises one attempt (the whole life of the `sluice-supervisor` program; supervisor.c says what it does)
/// and returns the process's exit status. Call it first thing in a process of its own: it changes signal masks
/// and dispositions, the session and the subreaper flag.
int sluice_supervisor_main(int argc, char **argv);

/// Serves requests on socket `sock` by forking supervisors (host.c says how); returns when the other end closes.
/// Reached through `sluice_supervisor_main` with the arguments `--host FD`.
int sluice_supervisor_host(int sock);

#include <sys/types.h>

/// Starts `EXECUTABLE LEADING... --host 3` with an empty environment and returns the runner's end of its socket
/// (close-on-exec) with the host's pid in `pid_out`, or -errno.
int sluice_host_start(const char *executable, const char *const *leading, int leading_count, pid_t *pid_out);

/// Asks the host on `sock` for a supervisor with these arguments (argv[0] first) and environment, handing it the
/// attempt's stderr log, locked supervisor.lock and "started" pipe (the caller keeps its own copies). Returns the
/// supervisor's pid and puts a pidfd for it in `pidfd_out` (-1 without pidfds), or -errno: EMSGSIZE for a request
/// too large for the socket, EPIPE or ECONNRESET when the host is gone, ETIMEDOUT when it sent no answer within
/// `timeout_ms` (it may or may not have forked the supervisor). Calls must not overlap on one socket.
int sluice_host_spawn(int sock, const char *const *arguments, int argument_count, const char *const *environment,
                      int environment_count, int err_fd, int lock_fd, int notify_fd, int timeout_ms, int *pidfd_out);

#endif
