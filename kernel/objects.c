// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel object counts: numfile, numtcpsock, numothersock, numpty.
 *
 * User-visible semantics:
 *  - numfile: every struct file a compartment's task creates (open, pipe,
 *    socket, accept, eventfd, epoll, memfd, ...) is charged one; past the
 *    barrier the creating call fails with ENFILE, the error the kernel gives
 *    when its own file table is full;
 *  - numtcpsock: every TCP socket a compartment's task creates with
 *    socket() or accept(); numothersock: every other socket (UNIX, UDP,
 *    netlink, packet, ...); past the barrier socket() and accept() fail
 *    with ENOBUFS (a refused accept() leaves the connection queued); an
 *    accept() holds its unit from its check (before it waits) until it
 *    fails or the accepted socket is freed;
 *  - numpty: every pty pair a compartment's task opens through /dev/ptmx;
 *    past the barrier open() fails with ENOSPC, the error the kernel gives
 *    when devpts runs out of indexes;
 *  - each charge is returned when the object is freed, to the compartment
 *    that paid for it, whoever frees it and wherever; a compartment
 *    destroyed meanwhile lingers until then.
 *
 * Hooks (6.1):
 *  - security_file_alloc(file), gate: __alloc_file(), task context; when it
 *    fails __alloc_file() frees the file without security_file_free();
 *    when another LSM refuses after ubc, security_file_alloc() itself calls
 *    security_file_free(), which returns ubc's charge;
 *  - security_file_free(file), watch: file_free() (last fput) and the
 *    failure path above;
 *  - security_socket_post_create(sock, family, type, protocol, kern), gate:
 *    __sock_create() after the protocol's create(); when it fails the new
 *    socket is released, which frees its sk (security_sk_free);
 *  - security_socket_accept(sock, newsock), gate: do_accept() before the
 *    protocol's accept(), after newsock and its file exist; reserves one
 *    socket keyed on newsock (refusing releases newsock and its file);
 *  - security_sock_graft(sk, parent), watch: sock_graft(), which the
 *    protocol's accept() calls (inet_accept(), unix_accept(), ...) in the
 *    accepting task with the new sk; the reservation moves from parent
 *    (newsock) to sk, nothing is charged twice;
 *  - sock_close(inode, file), watch (net/socket.c, the socket file's
 *    release): returns a reservation still on the socket, i.e. an accept()
 *    that failed after the gate (do_accept()'s fput(newfile) runs before
 *    the call returns) or a protocol that never grafts;
 *  - security_sk_free(sk), watch: sk_prot_free(), possibly from an RCU
 *    callback (softirq);
 *  - devpts_new_index(fsi), gate: ptmx_open() takes a pty index, under
 *    devpts_mutex; reserves one pty for current (task.c's reservations:
 *    the index is not known yet); its failure is returned by open();
 *  - devpts_pty_new(fsi, index, priv), watch: ptmx_open() once the pty
 *    exists; current's reservation moves to the pty (fsi, index);
 *  - devpts_kill_index(fsi, index), watch: the index is given back, by the
 *    last close of the pair (the pty's charge returns) or by ptmx_open()'s
 *    failure path after tty_init_dev() (current's reservation returns).
 *
 * No check-then-charge: every gate charges (reserves) what it admits, so
 * racing tasks never pass the barrier together; the unit then moves to the
 * object without a second charge, or is returned on every failure path.
 * Nothing here is forced. A reservation whose object never comes because
 * the kernel failed the call for a reason of its own after the gate
 * (devpts_new_index() out of indexes) stays with the task: at most one
 * unit per task, reused by its next open, returned when it is freed.
 */
#include <linux/fs.h>
#include <linux/in.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/sock.h>

#include "owner.h"
#include "probe.h"
#include "task.h"
#include "part.h"

/* security_file_alloc(struct file *file) */
static int ubc_file_alloc(struct pt_regs *regs)
{
	struct file *file = (struct file *)ubc_arg(regs, 0);
	struct ubc_comp *comp = ubc_hook_comp();

	if (!comp)
		return 0;
	switch (ubc_owner_charge(file, comp, UBC_NUMFILE, 1, UBC_BARRIER)) {
	case 0:
		return 0;
	case -ENOSPC:
		return -ENFILE;
	default:
		return -ENOMEM;
	}
}

/* security_file_free(struct file *file), security_sk_free(struct sock *sk) */
static int ubc_object_free(struct pt_regs *regs)
{
	if (static_branch_unlikely(&ubc_tasks_tracked))
		ubc_owner_uncharge((void *)ubc_arg(regs, 0));
	return 0;
}

static unsigned int ubc_sock_res(const struct sock *sk)
{
	bool tcp = (sk->sk_family == AF_INET || sk->sk_family == AF_INET6) &&
		   sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP;

	return tcp ? UBC_NUMTCPSOCK : UBC_NUMOTHERSOCK;
}

/* security_socket_post_create(sock, family, type, protocol, kern) */
static int ubc_socket_create(struct pt_regs *regs)
{
	struct socket *sock = (struct socket *)ubc_arg(regs, 0);
	int kern = (int)ubc_arg(regs, 4);
	struct ubc_comp *comp;

	if (kern || !sock->sk)
		return 0;
	comp = ubc_hook_comp();
	if (!comp)
		return 0;
	return ubc_owner_charge(sock->sk, comp, ubc_sock_res(sock->sk), 1,
				UBC_BARRIER) ? -ENOBUFS : 0;
}

/*
 * security_socket_accept(sock, newsock): reserve one socket of the
 * listener's kind for the connection this call may accept, keyed on
 * newsock, the struct socket do_accept() allocated (with its file) before
 * this gate. Refused past the barrier with ENOBUFS, counted in failcnt.
 * The unit moves to the accepted sk at sock_graft() (ubc_socket_graft());
 * if the call fails before (EAGAIN on a non-blocking listener, EINVAL, a
 * signal, getname or copy-out failing) or the protocol never grafts,
 * do_accept() puts newfile and sock_close() returns it (ubc_socket_close()).
 */
static int ubc_socket_accept(struct pt_regs *regs)
{
	struct socket *sock = (struct socket *)ubc_arg(regs, 0);
	struct socket *newsock = (struct socket *)ubc_arg(regs, 1);
	struct ubc_comp *comp = ubc_hook_comp();

	if (!comp || !sock->sk)
		return 0;
	switch (ubc_owner_charge(newsock, comp, ubc_sock_res(sock->sk), 1,
				 UBC_BARRIER)) {
	case 0:
		return 0;
	case -ENOSPC:
		return -ENOBUFS;
	default:
		return -ENOMEM;
	}
}

/*
 * security_sock_graft(struct sock *sk, struct socket *parent): the
 * protocol's accept() (inet_accept(), unix_accept(), ...) attaches the new
 * sk to newsock. The unit reserved on parent at the gate moves to sk: no
 * second charge. A graft without a reservation (in-kernel users, an sk
 * charged at socket()) charges nothing. Any task; the slab store allows
 * any context.
 */
static int ubc_socket_graft(struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)ubc_arg(regs, 0);
	struct socket *parent = (struct socket *)ubc_arg(regs, 1);
	struct ubc_comp *comp;
	unsigned int res;

	if (!static_branch_unlikely(&ubc_tasks_tracked) || !parent)
		return 0;
	comp = ubc_owner_take(parent, &res);
	if (!comp)
		return 0;
	if (ubc_owner_adopt(sk, comp, res))
		ubc_counter_uncharge(&comp->res[res], 1);	/* -EEXIST, -ENOMEM */
	ubc_comp_put(comp);	/* the reservation's reference */
	return 0;
}

/*
 * sock_close(struct inode *inode, struct file *filp): the last fput() of a
 * socket's file, also do_accept()'s failure path (fput(newfile), run
 * before accept() returns to user space). Returns a reservation newsock
 * still holds: the accept failed, or its protocol never grafted.
 */
static int ubc_socket_close(struct pt_regs *regs)
{
	struct inode *inode = (struct inode *)ubc_arg(regs, 0);

	if (static_branch_unlikely(&ubc_tasks_tracked))
		ubc_owner_uncharge(SOCKET_I(inode));
	return 0;
}

/*
 * A pty is known by (devpts instance, index): a two-word key of the owner
 * table's hash store, unique for every index (index + 1, never 0).
 */
static unsigned long ubc_pty_sub(unsigned long index)
{
	return (unsigned long)(unsigned int)index + 1;
}

/*
 * devpts_new_index(struct pts_fs_info *fsi), under devpts_mutex, from
 * ptmx_open(): reserve one pty for current, refused past the barrier with
 * ENOSPC (counted in failcnt). The reservation is current's (task.c): the
 * index is not known yet. ptmx_open() then either reaches devpts_pty_new()
 * (the unit moves to the pty), or fails in tty_init_dev() and calls
 * devpts_kill_index() (returned there), or devpts_new_index() itself
 * fails (no index: the unit stays reserved, reused by the task's next
 * open, returned when the task is freed).
 */
static int ubc_pty_alloc(struct pt_regs *regs)
{
	if (!ubc_hook_comp())
		return 0;
	return ubc_task_reserve(UBC_NUMPTY, UBC_BARRIER) == -ENOSPC ?
		-ENOSPC : 0;
}

/* devpts_pty_new(struct pts_fs_info *fsi, int index, void *priv) */
static int ubc_pty_new(struct pt_regs *regs)
{
	struct ubc_comp *comp = ubc_hook_comp();
	const void *fsi = (const void *)ubc_arg(regs, 0);
	unsigned long sub = ubc_pty_sub(ubc_arg(regs, 1));

	if (!comp || !ubc_task_unreserve(UBC_NUMPTY))
		return 0;
	if (ubc_owner_adopt_key(fsi, sub, comp, UBC_NUMPTY))
		ubc_counter_uncharge(&comp->res[UBC_NUMPTY], 1);
	return 0;
}

/*
 * devpts_kill_index(struct pts_fs_info *fsi, int idx): the last close of
 * the pair, or ptmx_open()'s failure path after tty_init_dev(), where the
 * unit is still current's reservation.
 */
static int ubc_pty_kill(struct pt_regs *regs)
{
	struct ubc_comp *comp;

	if (!static_branch_unlikely(&ubc_tasks_tracked))
		return 0;
	ubc_owner_uncharge_key((const void *)ubc_arg(regs, 0),
			       ubc_pty_sub(ubc_arg(regs, 1)));
	comp = ubc_hook_comp();
	if (comp && ubc_task_unreserve(UBC_NUMPTY))
		ubc_counter_uncharge(&comp->res[UBC_NUMPTY], 1);
	return 0;
}

/* Frees before allocations: no charge may exist without its free hook. */
static struct ubc_hook ubc_object_hooks[] = {
	{ .symbol = "security_file_free", .fn = ubc_object_free },
	{ .symbol = "security_sk_free", .fn = ubc_object_free },
	{ .symbol = "devpts_kill_index", .fn = ubc_pty_kill },
	{ .symbol = "sock_close", .fn = ubc_socket_close },
	{ .symbol = "security_file_alloc", .fn = ubc_file_alloc, .gate = true },
	{ .symbol = "security_socket_post_create", .fn = ubc_socket_create, .gate = true },
	{ .symbol = "security_socket_accept", .fn = ubc_socket_accept, .gate = true },
	{ .symbol = "security_sock_graft", .fn = ubc_socket_graft },
	{ .symbol = "devpts_new_index", .fn = ubc_pty_alloc, .gate = true },
	{ .symbol = "devpts_pty_new", .fn = ubc_pty_new },
};

static int ubc_objects_init(void)
{
	int err = ubc_owners_init();

	if (err)
		return err;
	err = ubc_hooks_prepare(ubc_object_hooks, ARRAY_SIZE(ubc_object_hooks));
	if (err)
		ubc_owners_exit();
	return err;
}

static int ubc_objects_arm(void)
{
	return ubc_hooks_arm(ubc_object_hooks, ARRAY_SIZE(ubc_object_hooks));
}

/* The caller quiesces (ubc_probes_quiesce()) before ubc_objects_exit(). */
static void ubc_objects_disarm(void)
{
	ubc_hooks_disarm(ubc_object_hooks, ARRAY_SIZE(ubc_object_hooks));
}

static void ubc_objects_exit(void)
{
	ubc_hooks_release(ubc_object_hooks, ARRAY_SIZE(ubc_object_hooks));
	ubc_owners_exit();
}

const struct ubc_part ubc_objects_part = {
	.name = "objects",
	.init = ubc_objects_init,
	.arm = ubc_objects_arm,
	.disarm = ubc_objects_disarm,
	.exit = ubc_objects_exit,
};
