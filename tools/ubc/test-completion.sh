#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Host test of ubc.bash-completion (TAP): bash-completion's helpers are
# stubbed, "ubc list" answers with two ids.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\n[ "$1" = list ] && printf "101\\n202 dying\\n"\n' >"$tmp/ubc"
chmod +x "$tmp/ubc"
PATH=$tmp:$PATH
_init_completion() {
	cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
}
_filedir() { COMPREPLY+=("<files${1:+ $1}>"); }
. "$here/ubc.bash-completion"
n=0 failed=0
check() {	# check "WANT" WORD...: completing the last WORD gives WANT
	local want=$1; shift
	COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
	_ubc
	local got="${COMPREPLY[*]}"
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n - ubc ${*:2}: $want"
	else
		echo "not ok $n - ubc ${*:2}: got '$got', want '$want'"; failed=1
	fi
}
check "set show save" ubc s
check "top" ubc t
check "--json" ubc --j
check "--watch" ubc show --wa
check "101 202" ubc show ""
check "101" ubc -j show 1
check "numproc numtcpsock numflock numpty numsiginfo numothersock numfile numiptent" ubc set 101 num
check "monitor" ubc mo
check "--resource" ubc monitor --re
check "numproc" ubc monitor --resource numpr
check "101 202" ubc monitor ""
check "export" ubc exp
check "" ubc set 101 numproc ""
check "kmemsize" ubc create 5 kmem
check "101 202 <files>" ubc validate ""
check "<files>" ubc apply 101 ""
check "<files -d>" ubc restore ""
check "apply" ubc help app
check "--relative --reset" ubc show --re
echo "1..$n"
exit $failed
