#include "CNimbusLinux.h"

#include <errno.h>

#ifdef __linux__
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/// The kernel's `struct sched_attr` (linux/sched/types.h, first version: 48 bytes); glibc has no wrapper.
struct cnimbus_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

int cnimbus_request_time_slice(unsigned long long slice_ns) {
    struct cnimbus_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    // Read the thread's policy and nice value first: sched_setattr sets them all at once.
    if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return -1;
    attr.size = sizeof attr;
    attr.sched_flags = 0;
    attr.sched_runtime = slice_ns;
    return (int)syscall(SYS_sched_setattr, 0, &attr, 0);
}
#else
int cnimbus_request_time_slice(unsigned long long slice_ns) {
    (void)slice_ns;
    errno = ENOSYS;
    return -1;
}
#endif
