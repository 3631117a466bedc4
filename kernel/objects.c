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
 *    with ENOBUFS (a refused accept() leaves the connection queued);
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
 *    protocol's accept(); refusing it releases newsock and its file;
 *  - security_sock_graft(sk, parent), watch: sock_graft(), which the
 *    protocol's accept() calls (inet_accept(), unix_accept()) in the
 *    accepting task with the new sk; charged here, forced, since the gate
 *    above already decided; an sk charged at socket() is not charged twice;
 *  - security_sk_free(sk), watch: sk_prot_free(), possibly from an RCU
 *    callback (softirq);
 *  - devpts_new_index(fsi), gate: ptmx_open() takes a pty index; its
 *    failure is returned by open();
 *  - devpts_pty_new(fsi, index, priv), watch: ptmx_open() once the pty
 *    exists; charged here, forced, since the gate above already decided;
 *  - devpts_kill_index(fsi, index), watch: the index is given back, by the
 *    last close of the pair or by ptmx_open()'s failure path.
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
 * security_socket_accept(sock, newsock): would one more socket of the
 * listener's kind pass the barrier? A refusal counts in failcnt.
 */
static int ubc_socket_accept(struct pt_regs *regs)
{
	struct socket *sock = (struct socket *)ubc_arg(regs, 0);
	struct ubc_comp *comp = ubc_hook_comp();

	if (!comp || !sock->sk)
		return 0;
	return ubc_counter_check(&comp->res[ubc_sock_res(sock->sk)], 1,
				 UBC_BARRIER) ? -ENOBUFS : 0;
}

/* security_sock_graft(struct sock *sk, struct socket *parent) */
static int ubc_socket_graft(struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)ubc_arg(regs, 0);
	struct ubc_comp *comp = ubc_hook_comp();

	if (comp)
		ubc_owner_charge(sk, comp, ubc_sock_res(sk), 1, UBC_FORCE);
	return 0;
}

/*
 * A pty is known by (devpts instance, index), not by an object address.
 * Folding the index into the top bits of the instance's address gives a
 * key no real object can have (it is not a canonical kernel address, for
 * index > 0; index 0 is the instance itself, which ubc never charges).
 */
static const void *ubc_pty_key(unsigned long fsi, unsigned int index)
{
	return (const void *)(fsi ^ ((unsigned long)index << 48));
}

/* devpts_new_index(struct pts_fs_info *fsi): room for one more pty? */
static int ubc_pty_alloc(struct pt_regs *regs)
{
	struct ubc_comp *comp = ubc_hook_comp();

	if (!comp)
		return 0;
	return ubc_counter_check(&comp->res[UBC_NUMPTY], 1, UBC_BARRIER) ?
		-ENOSPC : 0;
}

/* devpts_pty_new(struct pts_fs_info *fsi, int index, void *priv) */
static int ubc_pty_new(struct pt_regs *regs)
{
	struct ubc_comp *comp = ubc_hook_comp();

	if (comp)
		ubc_owner_charge(ubc_pty_key(ubc_arg(regs, 0), ubc_arg(regs, 1)),
				 comp, UBC_NUMPTY, 1, UBC_FORCE);
	return 0;
}

/* devpts_kill_index(struct pts_fs_info *fsi, int idx) */
static int ubc_pty_kill(struct pt_regs *regs)
{
	if (static_branch_unlikely(&ubc_tasks_tracked))
		ubc_owner_uncharge(ubc_pty_key(ubc_arg(regs, 0), ubc_arg(regs, 1)));
	return 0;
}

/* Frees before allocations: no charge may exist without its free hook. */
static struct ubc_hook ubc_object_hooks[] = {
	{ .symbol = "security_file_free", .fn = ubc_object_free },
	{ .symbol = "security_sk_free", .fn = ubc_object_free },
	{ .symbol = "devpts_kill_index", .fn = ubc_pty_kill },
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
