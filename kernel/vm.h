/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UBC_VM_H
#define _UBC_VM_H

struct ubc_comp;

/* vm.c: a destroyed compartment's shmem leftovers go to the host. */
void ubc_vm_comp_destroyed(struct ubc_comp *comp);

#endif /* _UBC_VM_H */
