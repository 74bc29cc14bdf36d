// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: the one caller of btf_parse_vmlinux. */
#include <linux/bpf_verifier.h>

struct btf *bpf_get_btf_vmlinux(void)
{
	if (!btf_vmlinux)
		btf_vmlinux = btf_parse_vmlinux();
	return btf_vmlinux;
}
