#ifndef CNIMBUS_LINUX_H
#define CNIMBUS_LINUX_H

/// Asks the kernel's fair scheduler (EEVDF, Linux 6.12 and later) for time slices of `slice_ns` nanoseconds for
/// the calling thread, keeping its policy and nice value. A thread with a short slice gets an early deadline
/// when it wakes, so it runs soon after its wake-up instead of waiting for a running thread's slice to end; its
/// share of the CPU does not change. The kernel clamps the value to 0.1–100 ms.
///
/// Returns 0, or -1 with `errno` set where the system has no such setting (older kernels ignore the value or
/// refuse it; other systems: `ENOSYS`).
int cnimbus_request_time_slice(unsigned long long slice_ns);

#endif
