#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# /init of the vm2vm test guest (busybox only). Mounts the pseudo file
# systems, loads the modules in /etc/vm2vm/modules (dependency order), sets up
# each interface named on the kernel command line as
#   vm2vm.if=MAC,ADDR/LEN[,MTU]
# (found by MAC, since PCI order is not the host's NIC order), then serves
# commands on ttyS1 (see channel.py for the protocol). ttyS0 is the console.
# vm2vm.probe=1 only says the kernel reached userspace and powers off: the
# host's test of whether an accelerator really runs a guest.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /run && mount -t tmpfs tmpfs /tmp

con=/dev/ttyS0
say() { echo "vm2vm-init: $*" > $con; }

if grep -q 'vm2vm.probe=1' /proc/cmdline; then
	say "VM2VM-PROBE-OK"
	poweroff -f
fi

for m in $(cat /etc/vm2vm/modules); do
	insmod /lib/modules/$m.ko 2> $con || say "insmod $m failed"
done
ip link set lo up

iface_of() {	# MAC -> interface name
	for d in /sys/class/net/*; do
		[ "$(cat $d/address)" = "$1" ] && { basename $d; return 0; }
	done
	return 1
}

for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vm2vm.if=*)
		old_ifs=$IFS; IFS=,
		set -- ${arg#vm2vm.if=}
		IFS=$old_ifs
		mac=$1 addr=$2 mtu=$3
		i=0
		while ! dev=$(iface_of "$mac") && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		[ -n "$dev" ] || { say "no interface with MAC $mac"; continue; }
		[ -n "$mtu" ] && ip link set "$dev" mtu "$mtu"
		[ -n "$addr" ] && ip addr add "$addr" dev "$dev"
		ip link set "$dev" up
		say "$dev $mac $addr mtu $(cat /sys/class/net/$dev/mtu)"
		;;
	esac
done

# The command loop. Raw tty: no echo, no line-length limit, no CR/LF mapping.
tty=/dev/ttyS1
stty -F $tty raw -echo
exec 0< $tty 1> $tty 2> $con
say "ready"
echo "@@VM2VM-READY@@"
n=0
while IFS=' ' read -r verb id secs b64; do
	# Ids are the host's numbers; anything else is a damaged line.
	case "$id" in ''|*[!0-9]*) continue ;; esac
	case "$verb" in
	RUN)
		n=$((n + 1))
		echo "$b64" | base64 -d > /tmp/.cmd.$n
		# Own output file per command: a background job a command left
		# running keeps writing to its file, not to a later command's.
		timeout -s KILL "$secs" sh /tmp/.cmd.$n < /dev/null > /tmp/.out.$n 2>&1
		rc=$?
		# The answer is kept until the next one, for RESEND; its byte count
		# lets the host tell a damaged answer from a whole one.
		rm -f /tmp/.ans.*
		{
			echo "@@VM2VM-BEGIN $id@@"
			base64 < /tmp/.out.$n
			echo "@@VM2VM-END $id $rc $(wc -c < /tmp/.out.$n)@@"
		} > /tmp/.ans.$id
		cat /tmp/.ans.$id
		rm -f /tmp/.cmd.$n /tmp/.out.$n
		;;
	RESEND)
		# The host heard nothing whole: the answer again, or UNKNOWN when
		# its RUN line never arrived (so the host may send it again).
		if [ -e /tmp/.ans.$id ]; then
			cat /tmp/.ans.$id
		else
			echo "@@VM2VM-UNKNOWN $id@@"
		fi
		;;
	POWEROFF)
		echo "@@VM2VM-BYE $id@@"
		sync
		poweroff -f
		;;
	esac
done
say "command channel closed"
poweroff -f
