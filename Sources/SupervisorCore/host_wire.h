// The message helper both sides of the supervisor host use (host.c, host_client.c): not part of the module's API.
#ifndef SLUICE_HOST_WIRE_H
#define SLUICE_HOST_WIRE_H
#include <stddef.h>
#include <sys/types.h>

/// Sends one message of `size` bytes with `count` (at most 4) descriptors attached, retrying on EINTR, without
/// SIGPIPE. Returns the bytes sent or -1 with errno set.
ssize_t sluice_host_send(int sock, const void *data, size_t size, const int *fds, int count);

#endif
