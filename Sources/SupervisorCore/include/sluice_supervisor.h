#ifndef SLUICE_SUPERVISOR_H
#define SLUICE_SUPERVISOR_H

/// Supervises one attempt (the whole life of the `sluice-supervisor` program; supervisor.c says what it does)
/// and returns the process's exit status. Call it first thing in a process of its own: it changes signal masks
/// and dispositions, the session and the subreaper flag.
int sluice_supervisor_main(int argc, char **argv);

#endif
