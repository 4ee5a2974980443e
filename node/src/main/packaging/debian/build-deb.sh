#!/bin/sh
# Builds the Debian package from the .tar.gz distribution, with dpkg-deb alone (no debhelper).
# Called by Maven in the "package" phase (node/pom.xml); usable by hand, too:
#   build-deb.sh DIST.tar.gz MAVEN-VERSION PACKAGING-DIR OUTPUT-DIR
# Without dpkg-deb (not a Debian-like machine) it says so and builds nothing, exit 0.
set -eu

dist=$1 maven_version=$2 packaging=$3 out=$4

if ! command -v dpkg-deb >/dev/null 2>&1; then
  echo "build-deb: dpkg-deb not found: skipping the Debian package (install dpkg to build it)"
  exit 0
fi
if ! command -v dpkg >/dev/null 2>&1; then
  echo "build-deb: dpkg not found (it names the architecture): skipping the Debian package (install dpkg to build it)"
  exit 0
fi

# The jar carries the relay's recvmmsg/sendmmsg library compiled for the build machine's CPU
# (node/src/main/c), so the package is for that architecture; elsewhere the node would fall back
# to one system call per datagram.
arch=$(dpkg --print-architecture)
# Debian versions sort "~" before anything: 0.1.0~snapshot comes before the release 0.1.0.
version=$(printf '%s' "$maven_version" | sed 's/-SNAPSHOT$/~snapshot/; s/-/~/g')
root=$out/deb-root
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/share/switchboard" "$root/usr/bin" \
  "$root/etc/switchboard" "$root/usr/lib/systemd/system" "$root/usr/share/doc/switchboard"

# The node itself: exactly the .tar.gz's bin/, lib/ and switchboard.jar.
tar -xzf "$dist" -C "$root/usr/share/switchboard" --strip-components=1
mv "$root/usr/share/switchboard/LICENSE" "$root/usr/share/doc/switchboard/copyright"
mv "$root/usr/share/switchboard/INSTALL" "$root/usr/share/doc/switchboard/INSTALL"
rm "$root/usr/share/switchboard/switchboard.yaml"
ln -s ../share/switchboard/bin/switchboard "$root/usr/bin/switchboard"
if [ -f "$packaging/../../../../README.md" ]; then
  cp "$packaging/../../../../README.md" "$root/usr/share/doc/switchboard/README.md"
fi

# The settings: the example with the state directory set.
sed 's|^# dataDir: switchboard-data$|dataDir: /var/lib/switchboard|' \
  "$packaging/switchboard.yaml" > "$root/etc/switchboard/switchboard.yaml"
grep -q '^dataDir: /var/lib/switchboard$' "$root/etc/switchboard/switchboard.yaml"
cp "$packaging/debian/switchboard.service" "$root/usr/lib/systemd/system/switchboard.service"

for f in conffiles postinst prerm postrm; do
  cp "$packaging/debian/$f" "$root/DEBIAN/$f"
done
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@INSTALLED_SIZE@|$installed_kb|" -e "s|@ARCH@|$arch|" \
  "$packaging/debian/control" > "$root/DEBIAN/control"

# Owners and modes do not depend on the builder's umask or user.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/share/switchboard/bin/switchboard" \
  "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

deb=$out/switchboard_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
rm -rf "$root"
echo "build-deb: built $deb"
