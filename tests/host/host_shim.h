/* SPDX-License-Identifier: GPL-2.0 */
/* Just enough of the kernel's API to build kernel/charge.c on the host. */
#ifndef _UBC_HOST_SHIM_H
#define _UBC_HOST_SHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct { long v; } atomic_long_t;

#define atomic_long_read(a)		__atomic_load_n(&(a)->v, __ATOMIC_RELAXED)
#define atomic_long_set(a, i)		__atomic_store_n(&(a)->v, (i), __ATOMIC_RELAXED)
#define atomic_long_add_return(i, a)	__atomic_add_fetch(&(a)->v, (i), __ATOMIC_SEQ_CST)
#define atomic_long_sub_return(i, a)	__atomic_sub_fetch(&(a)->v, (i), __ATOMIC_SEQ_CST)
#define atomic_long_sub(i, a)		((void)__atomic_sub_fetch(&(a)->v, (i), __ATOMIC_SEQ_CST))
#define atomic_long_dec(a)		((void)__atomic_sub_fetch(&(a)->v, 1, __ATOMIC_SEQ_CST))
#define atomic_long_inc(a)		((void)__atomic_add_fetch(&(a)->v, 1, __ATOMIC_SEQ_CST))
#define atomic_long_try_cmpxchg(a, oldp, new) \
	__atomic_compare_exchange_n(&(a)->v, (oldp), (new), 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)
#define READ_ONCE(x)			__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)		__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#ifndef __always_inline
#define __always_inline			inline __attribute__((__always_inline__))
#endif
#define _RET_IP_			((unsigned long)__builtin_return_address(0))
#define unlikely(x)			__builtin_expect(!!(x), 0)

extern int host_warnings;
#define WARN_ONCE(cond, ...) ({						\
	int __c = !!(cond);						\
	if (__c) {							\
		__atomic_add_fetch(&host_warnings, 1, __ATOMIC_SEQ_CST); \
		fprintf(stderr, "# WARN: " __VA_ARGS__);		\
	}								\
	__c;								\
})

#endif
