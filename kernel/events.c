// SPDX-License-Identifier: GPL-2.0
/*
 * Events: who hit which limit, as it happens, pushed to the "events"
 * multicast group of the generic netlink family (UBC_NLGRP_EVENTS).
 *
 * User-visible semantics (Documentation/events.rst):
 *  - refused-ntf for a refused charge (the charge core's refusals and the
 *    ones a gate decides itself, ubc_counter_fail()), forced-ntf for a
 *    forced charge that took held past the limit, burst-ntf for a burst
 *    warning, oom-ntf for an OOM kill in a compartment; new-ntf, del-ntf
 *    and drained-ntf for a compartment's life;
 *  - the first event of a (kind, compartment, resource) is sent promptly;
 *    the ones after it, on the same CPU, within a second of the last
 *    notification, are folded into the next one, about a second later,
 *    which reports them in "coalesced"; the task, hook and time reported
 *    are those of the batch's first event, held/failcnt those of the last;
 *  - events that find no room to be recorded (UBC_EV_SLOTS busy slots
 *    per CPU) or whose notification cannot be built or delivered (a
 *    listener's receive buffer full: netlink_broadcast() says -ENOBUFS)
 *    are counted in "lost", which every notification carries;
 *  - listening needs CAP_SYS_ADMIN in the initial user namespace
 *    (GENL_MCAST_CAP_SYS_ADMIN: genl_bind() refuses others with EPERM) and
 *    a task outside every compartment: ubc gates genl_bind() and refuses a
 *    compartment's task with EPERM, as a read of another compartment is
 *    refused. Notifications go to the initial network namespace.
 *
 * Cost: nothing is recorded while nobody listens (one test of the
 * group's listener bit, netlink_has_listeners()). With a listener, an
 * event takes this CPU's slot lock with interrupts off, and the first
 * event of a batch queues an irq_work; the flood after it only counts.
 *
 * Locking: recording may run in any context, under any lock of the kernel
 * (refusals happen inside allocators and under the callers' spinlocks), so
 * it takes only its own CPU's raw spinlock (interrupts off: a leaf, never
 * held around anything else) and kicks the sender with irq_work_queue()
 * (lock-free; the irq_work then queues the delayed work, as comp.c does
 * for its releases). The work runs in process context, copies a slot out
 * under the slot lock and builds and sends outside it (GFP_KERNEL).
 * new-ntf, del-ntf and drained-ntf are sent at once by their callers, in
 * process context under ubc_lock, so that del-ntf always precedes its
 * drained-ntf; ubc_events_live is written under ubc_lock too.
 */
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <ubc/resources.h>

#include "comp.h"
#include "events.h"
#include "netlink.h"
#include "netlink-gen.h"
#include "part.h"
#include "probe.h"
#include "task.h"

static_assert((int)UBC_BARRIER == (int)UBC_STRENGTH_BARRIER &&
	      (int)UBC_LIMIT == (int)UBC_STRENGTH_LIMIT &&
	      (int)UBC_FORCE == (int)UBC_STRENGTH_FORCE);

#define UBC_EV_SLOTS	64	/* per CPU, a power of 2 */
#define UBC_EV_NOTASK	U32_MAX	/* no task: not recorded in task context */

enum ubc_ev_kind {
	UBC_EV_REFUSED,
	UBC_EV_FORCED,
	UBC_EV_BURST,
	UBC_EV_OOM,
};

static const u8 ubc_ev_cmd[] = {
	[UBC_EV_REFUSED] = UBC_CMD_REFUSED_NTF,
	[UBC_EV_FORCED] = UBC_CMD_FORCED_NTF,
	[UBC_EV_BURST] = UBC_CMD_BURST_NTF,
	[UBC_EV_OOM] = UBC_CMD_OOM_NTF,
};

/* One (kind, compartment, resource) on one CPU; id 0: free. */
struct ubc_ev_slot {
	u32 id;
	u8 kind;
	u8 res;
	u8 strict;
	u32 count;		/* events since the last notification */
	unsigned long sent;	/* jiffies of the last notification */
	/* the batch's first event */
	u32 pid, tgid;
	char comm[TASK_COMM_LEN];
	unsigned long ip;
	long val;		/* requested; oom: overdraft */
	long barrier, limit;	/* oom: barrier is the guarantee */
	u64 time;
	/* the batch's last event */
	long held;		/* burst: the compartment's bursts */
	long failcnt;
};

struct ubc_ev_cpu {
	raw_spinlock_t lock;
	struct ubc_ev_slot slot[UBC_EV_SLOTS];
};

static DEFINE_PER_CPU(struct ubc_ev_cpu, ubc_ev_cpus);
static atomic_long_t ubc_ev_lost;
static bool ubc_events_live;	/* the family is registered; see above */

/* /sys/module/ubc/parameters/events_lost, for ubc export */
static int ubc_ev_lost_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&ubc_ev_lost));
}

static const struct kernel_param_ops ubc_ev_lost_ops = {
	.get = ubc_ev_lost_get,
};

module_param_cb(events_lost, &ubc_ev_lost_ops, NULL, 0444);
MODULE_PARM_DESC(events_lost, "events lost since load (read-only)");

static void ubc_ev_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ubc_ev_work, ubc_ev_work_fn);

static void ubc_ev_kick_fn(struct irq_work *w)
{
	if (READ_ONCE(ubc_events_live))
		mod_delayed_work(system_wq, &ubc_ev_work, 0);
}

static struct irq_work ubc_ev_kick = IRQ_WORK_INIT(ubc_ev_kick_fn);

static bool ubc_ev_listening(void)
{
	return READ_ONCE(ubc_events_live) &&
	       genl_has_listeners(&ubc_genl_family, &init_net, UBC_NLGRP_EVENTS) > 0;
}

static bool ubc_ev_match(const struct ubc_ev_slot *s, u32 id, u8 kind, u8 res)
{
	return s->id == id && s->kind == kind && s->res == res;
}

/* A slot for the key: its own, or a free or idle one (two candidates). */
static struct ubc_ev_slot *ubc_ev_slot(struct ubc_ev_cpu *pc, u32 id, u8 kind,
				       u8 res)
{
	u32 h = hash_32(id ^ (kind << 24) ^ (res << 16), ilog2(UBC_EV_SLOTS));
	struct ubc_ev_slot *a = &pc->slot[h], *b = &pc->slot[h ^ 1], *s;

	if (ubc_ev_match(a, id, kind, res))
		return a;
	if (ubc_ev_match(b, id, kind, res))
		return b;
	for (s = a; s; s = s == a ? b : NULL)
		if (!s->id || (!s->count && time_after_eq(jiffies, s->sent + HZ))) {
			s->id = id;
			s->kind = kind;
			s->res = res;
			s->count = 0;
			s->sent = jiffies - HZ;
			return s;
		}
	return NULL;
}

static void ubc_ev_task(struct ubc_ev_slot *s, struct task_struct *task)
{
	if (task) {
		s->pid = task_pid_nr(task);
		s->tgid = task_tgid_nr(task);
		/*
		 * Not get_task_comm(): 6.1's takes task_lock(), which the
		 * caller may hold (mark_oom_victim() runs under the victim's).
		 * A racing prctl(PR_SET_NAME) may mix two names; the copy is
		 * terminated whatever it reads.
		 */
		memcpy(s->comm, task->comm, sizeof(s->comm));
		s->comm[sizeof(s->comm) - 1] = '\0';
	} else {
		s->pid = s->tgid = UBC_EV_NOTASK;
		s->comm[0] = '\0';
	}
}

/*
 * Record one event of @kind for @comp's resource @res. @task is the task
 * the event names (NULL: none); the values follow the slot's fields.
 */
static void ubc_ev_record(u8 kind, struct ubc_comp *comp, unsigned int res,
			  struct task_struct *task, long val, long held,
			  long failcnt, enum ubc_strict strict, unsigned long ip)
{
	struct ubc_ev_cpu *pc;
	struct ubc_ev_slot *s;
	unsigned long flags;
	bool first = false;

	if (!ubc_ev_listening())
		return;
	local_irq_save(flags);
	pc = this_cpu_ptr(&ubc_ev_cpus);
	raw_spin_lock(&pc->lock);
	s = ubc_ev_slot(pc, comp->id, kind, res);
	if (!s) {
		atomic_long_inc(&ubc_ev_lost);
	} else {
		if (!s->count++) {
			first = true;
			ubc_ev_task(s, task);
			s->ip = ip;
			s->val = val;
			s->strict = strict;
			s->time = ktime_get_real_fast_ns();
			if (kind == UBC_EV_BURST) {
				s->barrier = s->limit = 0;
			} else {
				s->barrier = READ_ONCE(comp->res[res].barrier);
				s->limit = READ_ONCE(comp->res[res].limit);
			}
		}
		s->held = held;
		s->failcnt = failcnt;
	}
	raw_spin_unlock(&pc->lock);
	local_irq_restore(flags);
	if (first)
		irq_work_queue(&ubc_ev_kick);
}

/* The charge core's reports (charge.h). */
void ubc_counter_event(struct ubc_counter *c, enum ubc_counter_ev ev,
		       long val, long held, enum ubc_strict strict,
		       unsigned long ip)
{
	struct ubc_comp *comp = container_of(c - c->index, struct ubc_comp, res[0]);

	ubc_ev_record(ev == UBC_COUNTER_REFUSED ? UBC_EV_REFUSED : UBC_EV_FORCED,
		      comp, c->index, in_task() ? current : NULL, val, held,
		      atomic_long_read(&c->failcnt), strict, ip);
}

void ubc_event_oom(struct ubc_comp *comp, struct task_struct *victim,
		   long overdraft)
{
	struct ubc_counter *c = &comp->res[UBC_OOMGUARPAGES];

	ubc_ev_record(UBC_EV_OOM, comp, UBC_OOMGUARPAGES, victim, overdraft,
		      ubc_counter_held(c), atomic_long_read(&c->failcnt),
		      UBC_FORCE, 0);
}

void ubc_event_burst(struct ubc_comp *comp)
{
	ubc_ev_record(UBC_EV_BURST, comp, 0, NULL, 0,
		      atomic_long_read(&comp->bursts), 0, UBC_FORCE, 0);
}

static int ubc_ev_put(struct sk_buff *skb, const struct ubc_ev_slot *s)
{
	char hook[KSYM_SYMBOL_LEN];
	int r = s->res;

	if (nla_put_u32(skb, UBC_EV_A_ID, s->id))
		return -EMSGSIZE;
	switch (s->kind) {
	case UBC_EV_REFUSED:
	case UBC_EV_FORCED:
		snprintf(hook, sizeof(hook), "%ps", (void *)s->ip);
		if (nla_put_u32(skb, UBC_EV_A_RESOURCE, r) ||
		    nla_put_string(skb, UBC_EV_A_NAME, ubc_resource_name(r)) ||
		    nla_put_u64_64bit(skb, UBC_EV_A_HELD, s->held, UBC_EV_A_PAD) ||
		    nla_put_u64_64bit(skb, UBC_EV_A_BARRIER, s->barrier, UBC_EV_A_PAD) ||
		    nla_put_u64_64bit(skb, UBC_EV_A_LIMIT, s->limit, UBC_EV_A_PAD) ||
		    nla_put_u64_64bit(skb, UBC_EV_A_FAILCNT, s->failcnt, UBC_EV_A_PAD) ||
		    nla_put_u64_64bit(skb, UBC_EV_A_VAL, s->val, UBC_EV_A_PAD) ||
		    nla_put_u8(skb, UBC_EV_A_STRENGTH, s->strict) ||
		    nla_put_string(skb, UBC_EV_A_HOOK, hook))
			return -EMSGSIZE;
		break;
	case UBC_EV_OOM:
		if (nla_put_u64_64bit(skb, UBC_EV_A_HELD, s->held, UBC_EV_A_PAD) ||
		    nla_put_u64_64bit(skb, UBC_EV_A_GUARANTEE, s->barrier, UBC_EV_A_PAD) ||
		    nla_put_u64_64bit(skb, UBC_EV_A_OVERDRAFT, max(s->val, 0L), UBC_EV_A_PAD) ||
		    nla_put_u64_64bit(skb, UBC_EV_A_FAILCNT, s->failcnt, UBC_EV_A_PAD))
			return -EMSGSIZE;
		break;
	case UBC_EV_BURST:
		if (nla_put_u64_64bit(skb, UBC_EV_A_BURSTS, s->held, UBC_EV_A_PAD))
			return -EMSGSIZE;
		break;
	}
	if (s->pid != UBC_EV_NOTASK &&
	    (nla_put_u32(skb, UBC_EV_A_PID, s->pid) ||
	     nla_put_u32(skb, UBC_EV_A_TGID, s->tgid) ||
	     nla_put_string(skb, UBC_EV_A_COMM, s->comm)))
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, UBC_EV_A_COALESCED, s->count - 1, UBC_EV_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* Build and send one notification; @s NULL for new/del/drained. */
static void ubc_ev_send(u8 cmd, u32 id, const struct ubc_ev_slot *s)
{
	unsigned long events = s ? s->count : 1;
	struct sk_buff *skb;
	void *hdr;
	int err = -ENOMEM;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &ubc_genl_family, 0, cmd);
	if (!hdr)
		goto free;
	err = s ? ubc_ev_put(skb, s) : nla_put_u32(skb, UBC_EV_A_ID, id);
	if (err ||
	    nla_put_u64_64bit(skb, UBC_EV_A_LOST, atomic_long_read(&ubc_ev_lost),
			      UBC_EV_A_PAD) ||
	    nla_put_u64_64bit(skb, UBC_EV_A_TIME, s ? s->time : ktime_get_real_ns(),
			      UBC_EV_A_PAD)) {
		err = -EMSGSIZE;
		goto free;
	}
	genlmsg_end(skb, hdr);
	err = genlmsg_multicast(&ubc_genl_family, skb, 0, UBC_NLGRP_EVENTS,
				GFP_KERNEL);
	if (!err || err == -ESRCH)	/* ESRCH: the listener left */
		return;
	goto lost;
free:
	nlmsg_free(skb);
lost:
	WARN_ON_ONCE(err == -EMSGSIZE);
	atomic_long_add(events, &ubc_ev_lost);
}

void ubc_event_comp(u8 cmd, u32 id)
{
	lockdep_assert_held(&ubc_lock);
	if (ubc_ev_listening())
		ubc_ev_send(cmd, id, NULL);
}

/*
 * Send every batch whose second has passed; come back for the others.
 * Runs in process context (system_wq), one instance at a time.
 */
static void ubc_ev_work_fn(struct work_struct *work)
{
	unsigned long now = jiffies, next = 0;
	struct ubc_ev_slot copy;
	bool again = false;
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		struct ubc_ev_cpu *pc = per_cpu_ptr(&ubc_ev_cpus, cpu);

		for (i = 0; i < UBC_EV_SLOTS; i++) {
			struct ubc_ev_slot *s = &pc->slot[i];
			bool send = false;

			raw_spin_lock_irq(&pc->lock);
			if (s->id && s->count) {
				if (time_after_eq(now, s->sent + HZ)) {
					copy = *s;
					s->count = 0;
					s->sent = now;
					send = true;
				} else if (!again || time_before(s->sent + HZ, next)) {
					next = s->sent + HZ;
					again = true;
				}
			}
			raw_spin_unlock_irq(&pc->lock);
			if (send && READ_ONCE(ubc_events_live))
				ubc_ev_send(ubc_ev_cmd[copy.kind], copy.id, &copy);
		}
	}
	if (again && READ_ONCE(ubc_events_live))
		mod_delayed_work(system_wq, &ubc_ev_work,
				 time_after(next, now) ? next - now : 0);
}

/*
 * genl_bind(struct net *net, int group), net/netlink/genetlink.c: the
 * netlink_bind hook of every generic netlink socket, called for bind(2)'s
 * nl_groups and for NETLINK_ADD_MEMBERSHIP with the group's global id
 * (the family's mcgrp_offset + its index); a -errno refuses it. 6.1 and
 * 6.12: same prototype. A compartment's task may not listen to events.
 */
static int ubc_events_bind(struct pt_regs *regs)
{
	int group = (int)ubc_arg(regs, 1);

	if (group != ubc_genl_family.mcgrp_offset + UBC_NLGRP_EVENTS)
		return 0;
	return ubc_hook_comp() ? -EPERM : 0;
}

static struct ubc_hook ubc_event_hooks[] = {
	{ .symbol = "genl_bind", .fn = ubc_events_bind, .gate = true },
};

void ubc_events_start(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&per_cpu_ptr(&ubc_ev_cpus, cpu)->lock);
	mutex_lock(&ubc_lock);
	WRITE_ONCE(ubc_events_live, true);
	mutex_unlock(&ubc_lock);
}

void ubc_events_stop(void)
{
	mutex_lock(&ubc_lock);
	WRITE_ONCE(ubc_events_live, false);
	mutex_unlock(&ubc_lock);
	irq_work_sync(&ubc_ev_kick);
	cancel_delayed_work_sync(&ubc_ev_work);
}

/* Every hook is gone: nothing records or kicks any more. */
void ubc_events_exit(void)
{
	irq_work_sync(&ubc_ev_kick);
	cancel_delayed_work_sync(&ubc_ev_work);
}

static int ubc_events_init(void)
{
	return ubc_hooks_prepare(ubc_event_hooks, ARRAY_SIZE(ubc_event_hooks));
}

static int ubc_events_arm(void)
{
	return ubc_hooks_arm(ubc_event_hooks, ARRAY_SIZE(ubc_event_hooks));
}

static void ubc_events_disarm(void)
{
	ubc_hooks_disarm(ubc_event_hooks, ARRAY_SIZE(ubc_event_hooks));
}

static void ubc_events_part_exit(void)
{
	ubc_hooks_release(ubc_event_hooks, ARRAY_SIZE(ubc_event_hooks));
}

const struct ubc_part ubc_events_part = {
	.name = "events",
	.init = ubc_events_init,
	.arm = ubc_events_arm,
	.disarm = ubc_events_disarm,
	.exit = ubc_events_part_exit,
};
