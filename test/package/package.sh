#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# The Debian package, built from the tree (dpkg-buildpackage -b on a copy of
# it), installed on this machine, then used the way any DPDK driver is: the
# distribution's dpdk-testpmd, without -d, runs a vdev of each PMD with
# traffic (two-pmds.sh installed). The package is removed afterwards unless it
# was installed before the test (then the new build stays: running the test
# twice leaves the machine as the first run found it).
# usage: package.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../ovs/ovs-lib.sh"
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
command -v dpkg-buildpackage > /dev/null && command -v dh > /dev/null ||
	t_skip "no dpkg-buildpackage/debhelper (usertools/vm2vm-setup installs them)"
t_init "$build"
installed() { dpkg-query -W -f='${Status}' vm2vm 2>/dev/null | grep -q 'install ok installed'; }
was_installed=0
installed && was_installed=1
pkg_cleanup() {
	if [ "$was_installed" = 0 ] && installed; then
		dpkg -P vm2vm > /dev/null 2>&1 || echo "WARNING: dpkg -P vm2vm failed" >&2
	fi
	t_cleanup
}
trap pkg_cleanup EXIT

# A copy of the tree (tracked and new files, not build directories).
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
copy=$T_TMP/pkg/vm2vm-$version
mkdir -p "$copy"
if git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
	(cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$copy") ||
		t_fail "copying the tree"
else
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$copy" -xf - ||
		t_fail "copying the tree"
fi
echo "dpkg-buildpackage -b in $copy"
(cd "$copy" && timeout 900 dpkg-buildpackage -b -us -uc) > "$T_TMP/dpkg-buildpackage.log" 2>&1 || {
	tail -n 40 "$T_TMP/dpkg-buildpackage.log"
	t_fail "dpkg-buildpackage failed"
}
deb=$(ls "$T_TMP"/pkg/vm2vm_"$version"_*.deb 2>/dev/null | head -n 1)
[ -f "$deb" ] || t_fail "no .deb built"
dpkg -c "$deb" > "$T_TMP/contents" || t_fail "dpkg -c"
echo "$(basename "$deb"):"
awk '{print "  " $1, $3, $6}' "$T_TMP/contents"

# The driver directory EAL was built with, from the EAL library testpmd uses.
eal=$(ldd "$TESTPMD" | awk '/librte_eal\.so/ {print $3}')
plugin_dir=$(strings "$eal" | sed -n 's/^DPDK_PLUGIN_PATH=//p' | head -n 1)
[ -n "$plugin_dir" ] || t_fail "no DPDK_PLUGIN_PATH in $eal"
echo "EAL's driver directory: $plugin_dir"
for so in librte_net_ivshmem2.so librte_net_vhost_pci.so; do
	grep -q -E " \.$plugin_dir/$so\$" "$T_TMP/contents" || t_fail "$so is not in $plugin_dir in the package"
done
grep -q -E ' \./usr/bin/dpdk-vm2vm-switch$' "$T_TMP/contents" || t_fail "no dpdk-vm2vm-switch"
grep -q -E '/pkgconfig/vm2vm\.pc$' "$T_TMP/contents" || t_fail "no vm2vm.pc"

timeout 120 dpkg -i "$deb" > "$T_TMP/dpkg-i.log" 2>&1 || { cat "$T_TMP/dpkg-i.log"; t_fail "dpkg -i"; }
echo "installed: $(dpkg-query -W -f='${Package} ${Version}' vm2vm)"
echo "pkg-config: pmddir=$(pkg-config --variable=pmddir vm2vm) version $(pkg-config --modversion vm2vm)"
"$here/exports.sh" "$plugin_dir"/librte_net_ivshmem2.so "$plugin_dir"/librte_net_vhost_pci.so ||
	t_fail "installed PMDs export symbols"
# Stock dpdk-testpmd, no -d: both PMDs found in EAL's driver directory.
"$here/two-pmds.sh" "$build" installed || t_fail "stock dpdk-testpmd without -d"
/usr/bin/dpdk-vm2vm-switch --help > /dev/null 2>&1 || true
[ -x /usr/bin/dpdk-vm2vm-switch ] || t_fail "dpdk-vm2vm-switch not installed"
echo PASS
