#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int write_text(const char *dir, const char *file, const char *text) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "we");
    if (!f) return -errno;
    int failed = fputs(text, f) < 0;
    int saved = errno;
    if (fclose(f) != 0 && !failed) { failed = 1; saved = errno; }
    return failed ? -(saved ? saved : EIO) : 0;
}

static int file_has_word(const char *dir, const char *file, const char *word) {
    char path[4200], token[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    int found = 0;
    while (!found && fscanf(f, "%255s", token) == 1) found = strcmp(token, word) == 0;
    fclose(f);
    return found;
}

// Whether `word` is one of the comma-separated items of `list`.
static int list_has(const char *list, const char *word) {
    size_t n = strlen(word);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == 0 || p[n] == '\n')) return 1;
    return 0;
}

// Our own cgroup directory in the hierarchy that has `controller` (v1), or the unified one
// when controller is NULL. Returns 0 on success.
static int own_cgroup_dir(const char *controller, char *out, size_t size) {
    char line[4096], own[4096] = "", mount_root[4096] = "", mount_point[4096] = "";
    int found = 0;
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) return -1;
    while (!found && fgets(line, sizeof line, f)) {
        char *first = strchr(line, ':'), *second = first ? strchr(first + 1, ':') : NULL;
        if (!second) continue;
        *second = 0;
        int match = controller ? list_has(first + 1, controller) : (first[1] == 0);
        if (match) {
            snprintf(own, sizeof own, "%s", second + 1);
            own[strcspn(own, "\n")] = 0;
            found = 1;
        }
    }
    fclose(f);
    if (!found) return -1;

    found = 0;
    f = fopen("/proc/self/mountinfo", "re");
    if (!f) return -1;
    while (!found && fgets(line, sizeof line, f)) {
        char root[4096], point[4096], fstype[64], superopts[1024];
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2) continue;
        if (sscanf(dash + 3, "%63s %*s %1023s", fstype, superopts) != 2) continue;
        int match = controller ? (strcmp(fstype, "cgroup") == 0 && list_has(superopts, controller))
                               : strcmp(fstype, "cgroup2") == 0;
        if (match) {
            snprintf(mount_root, sizeof mount_root, "%s", root);
            snprintf(mount_point, sizeof mount_point, "%s", point);
            found = 1;
        }
    }
    fclose(f);
    if (!found) return -1;
    const char *relative = own;
    size_t root_len = strlen(mount_root);
    if (strcmp(mount_root, "/") != 0 && strncmp(own, mount_root, root_len) == 0) relative = own + root_len;
    snprintf(out, size, "%s%s", mount_point, strcmp(relative, "/") == 0 ? "" : relative);
    return 0;
}

// Makes <parent>/sluice.<pid>, replacing a stale empty one left by a crashed supervisor.
static int make_child(const char *parent, char *out, size_t size) {
    snprintf(out, size, "%s/sluice.%d", parent, (int)getpid());
    if (mkdir(out, 0755) == 0) return 0;
    if (errno == EEXIST && rmdir(out) == 0 && mkdir(out, 0755) == 0) return 0;
    int saved = errno;
    out[0] = 0;
    return -saved;
}

// cgroup v2: one child of our own cgroup with the wanted controllers enabled for it.
// Sets *memory_ok / *cpu_ok for those it got; returns 0 when it got any.
static int prepare_v2(char *out, size_t size, int want_memory, int want_cpu, int *memory_ok, int *cpu_ok) {
    char own[4096];
    *memory_ok = *cpu_ok = 0;
    if (own_cgroup_dir(NULL, own, sizeof own) != 0) return -ENOENT;
    int has_memory = want_memory && file_has_word(own, "cgroup.controllers", "memory");
    int has_cpu = want_cpu && file_has_word(own, "cgroup.controllers", "cpu");
    if (!has_memory && !has_cpu) return -ENOENT;
    // Enabling may fail (EBUSY when our own cgroup holds processes); the child tells.
    if (has_memory) write_text(own, "cgroup.subtree_control", "+memory");
    if (has_cpu) write_text(own, "cgroup.subtree_control", "+cpu");
    int rc = make_child(own, out, size);
    if (rc != 0) return rc;
    *memory_ok = want_memory && file_has_word(out, "cgroup.controllers", "memory");
    *cpu_ok = want_cpu && file_has_word(out, "cgroup.controllers", "cpu");
    if (*memory_ok || *cpu_ok) return 0;
    rmdir(out);
    out[0] = 0;
    return -ENOENT;
}

static int prepare_v1(const char *controller, char *out, size_t size) {
    char own[4096];
    if (own_cgroup_dir(controller, own, sizeof own) != 0) return -ENOENT;
    return make_child(own, out, size);
}

static void not_enforced(int err_fd, const char *what, int rc) {
    dprintf(err_fd, "sluice: %s cannot be enforced on this machine (%s); the task runs without it\n", what,
            rc == -ENOENT ? "no writable cgroup has that controller" : strerror(-rc));
}

static int limit_memory(struct cgroup_set *set, const char *v2_dir, long long bytes) {
    char text[64];
    snprintf(text, sizeof text, "%lld", bytes);
    if (v2_dir) {
        snprintf(set->memory_dir, sizeof set->memory_dir, "%s", v2_dir);
        set->memory_v2 = 1;
        write_text(v2_dir, "memory.swap.max", "0");    // absent without swap
        write_text(v2_dir, "memory.oom.group", "1");   // an OOM ends the whole attempt
        return write_text(v2_dir, "memory.max", text);
    }
    int rc = prepare_v1("memory", set->memory_dir, sizeof set->memory_dir);
    if (rc == 0) rc = write_text(set->memory_dir, "memory.limit_in_bytes", text);
    if (rc == 0) write_text(set->memory_dir, "memory.memsw.limit_in_bytes", text);  // absent without swap accounting
    return rc;
}

static int limit_cpu(struct cgroup_set *set, const char *v2_dir, long long millicores) {
    char text[64];
    long long quota = millicores * 100;  // microseconds per 100 ms period
    if (quota < 1000) quota = 1000;      // the kernel's smallest quota
    if (v2_dir) {
        snprintf(set->cpu_dir, sizeof set->cpu_dir, "%s", v2_dir);
        snprintf(text, sizeof text, "%lld 100000", quota);
        return write_text(v2_dir, "cpu.max", text);
    }
    snprintf(text, sizeof text, "%lld", quota);
    int rc = prepare_v1("cpu", set->cpu_dir, sizeof set->cpu_dir);
    if (rc == 0) rc = write_text(set->cpu_dir, "cpu.cfs_period_us", "100000");
    if (rc == 0) rc = write_text(set->cpu_dir, "cpu.cfs_quota_us", text);
    return rc;
}

void cgroup_prepare(struct cgroup_set *set, long long memory_bytes, long long cpu_millicores, int err_fd) {
    memset(set, 0, sizeof *set);
    int want_memory = memory_bytes > 0, want_cpu = cpu_millicores > 0, memory_v2 = 0, cpu_v2 = 0;
    if (!want_memory && !want_cpu) return;
    char v2_dir[4096] = "", what[96];
    prepare_v2(v2_dir, sizeof v2_dir, want_memory, want_cpu, &memory_v2, &cpu_v2);
    if (want_memory) {
        int rc = limit_memory(set, memory_v2 ? v2_dir : NULL, memory_bytes);
        if (rc != 0) {
            if (set->memory_dir[0] && !memory_v2) rmdir(set->memory_dir);
            set->memory_dir[0] = 0;
            set->memory_v2 = 0;
            snprintf(what, sizeof what, "the memory limit of %lld bytes", memory_bytes);
            not_enforced(err_fd, what, rc);
        }
    }
    if (want_cpu) {
        int rc = limit_cpu(set, cpu_v2 ? v2_dir : NULL, cpu_millicores);
        if (rc != 0) {
            if (set->cpu_dir[0] && !cpu_v2) rmdir(set->cpu_dir);
            set->cpu_dir[0] = 0;
            snprintf(what, sizeof what, "the cpu limit of %lldm", cpu_millicores);
            not_enforced(err_fd, what, rc);
        }
    }
    // A v2 cgroup that ended up holding neither limit is not needed.
    if (v2_dir[0] && strcmp(v2_dir, set->memory_dir) != 0 && strcmp(v2_dir, set->cpu_dir) != 0) rmdir(v2_dir);
}

void cgroup_enter(const struct cgroup_set *set, pid_t pid) {
    char text[32];
    snprintf(text, sizeof text, "%d", (int)pid);
    const char *dirs[2] = {set->memory_dir, set->cpu_dir};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i][0] || (i == 1 && strcmp(dirs[0], dirs[1]) == 0)) continue;
        int rc = write_text(dirs[i], "cgroup.procs", text);
        if (rc != 0) dprintf(2, "sluice: cannot join cgroup %s (%s); its limit is not enforced\n", dirs[i], strerror(-rc));
    }
}

// Kills what is listed in cgroup.procs until it is empty (or ~100 ms have passed).
static void kill_listed(const char *dir) {
    char path[4200];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    for (int round = 0; round < 100; round++) {
        FILE *f = fopen(path, "re");
        if (!f) return;
        int pid, any = 0;
        while (fscanf(f, "%d", &pid) == 1) {
            kill(pid, SIGKILL);
            any = 1;
        }
        fclose(f);
        if (!any) return;
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
}

void cgroup_kill_all(const struct cgroup_set *set) {
    if (set->memory_dir[0]) kill_listed(set->memory_dir);
    if (set->cpu_dir[0] && strcmp(set->cpu_dir, set->memory_dir) != 0) kill_listed(set->cpu_dir);
}

int cgroup_oom_killed(const struct cgroup_set *set) {
    if (!set->memory_dir[0]) return 0;
    char path[4200], key[64];
    long long value;
    snprintf(path, sizeof path, "%s/%s", set->memory_dir, set->memory_v2 ? "memory.events" : "memory.oom_control");
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    int killed = 0;
    while (fscanf(f, "%63s %lld", key, &value) == 2)
        if (strcmp(key, "oom_kill") == 0 && value > 0) killed = 1;
    fclose(f);
    return killed;
}

void cgroup_remove(struct cgroup_set *set) {
    const char *dirs[2] = {set->memory_dir, set->cpu_dir};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i][0] || (i == 1 && strcmp(dirs[0], dirs[1]) == 0)) continue;
        // An emptied cgroup can stay busy for a moment while its last processes are freed.
        for (int tries = 0; tries < 100 && rmdir(dirs[i]) != 0 && errno == EBUSY; tries++) {
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
    }
}
