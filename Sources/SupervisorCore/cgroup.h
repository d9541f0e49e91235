// Per-attempt cgroups for the supervisor: memory and cpu limits, OOM detection, cleanup.
// Uses cgroup v2 where the memory/cpu controller is available to our own cgroup, else the
// v1 hierarchy of that controller; when neither is writable the limit is reported to the
// attempt's stderr.log as not enforced and the task runs without it.
#ifndef SLUICE_SUPERVISOR_CGROUP_H
#define SLUICE_SUPERVISOR_CGROUP_H

#include <sys/types.h>

struct cgroup_set {
    char memory_dir[4096];  // "" when no memory limit is enforced
    char cpu_dir[4096];     // "" when no cpu limit is enforced; equals memory_dir on v2
    int memory_v2;
};

// Creates the cgroups for the given limits (negative means none); explains failures on err_fd.
void cgroup_prepare(struct cgroup_set *set, long long memory_bytes, long long cpu_millicores, int err_fd);
// Moves pid into the prepared cgroups (called by the task itself before exec).
void cgroup_enter(const struct cgroup_set *set, pid_t pid);
// SIGKILLs every process left in the attempt's cgroups, including ones that left its group.
void cgroup_kill_all(const struct cgroup_set *set);
// Whether the kernel's OOM killer killed anything in the memory cgroup.
int cgroup_oom_killed(const struct cgroup_set *set);
// Removes the cgroups once they are empty.
void cgroup_remove(struct cgroup_set *set);

#endif
