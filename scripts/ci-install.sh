#!/bin/sh
# Installs the system packages the differential and end-to-end tests need
# (procmail = the reference implementation, postfix = a real MTA driving the
# LDA). Idempotent: packages already present are left alone, so it is cheap
# to run on every CI job. Must run as root (or via sudo).
set -eu

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

export DEBIAN_FRONTEND=noninteractive

# Preseed postfix so its postinst does not prompt and does not start a
# system-wide MTA configuration: the e2e test runs its own private instance
# with `postfix -c <dir>` (test/e2e/postfix.test.ts).
echo 'postfix postfix/main_mailer_type select No configuration' | $SUDO debconf-set-selections
echo 'postfix postfix/mailname string localhost' | $SUDO debconf-set-selections

# procmail: reference for test/differential and test/e2e/concurrency.
# postfix: test/e2e/postfix.test.ts. util-linux gives mount/unshare/setpriv
# (test/e2e/enospc.test.ts); passwd gives useradd/userdel. publicsuffix: the
# list DMARC alignment reads (test/e2e/authmatch.test.ts); python3: its
# email.header, which RFC 2047 decoding is compared with (test/eval/mail/encoded-words.test.ts).
# dovecot-sieve (Pigeonhole's sievec and sieve-test): test/sieve/proof.test.ts.
# m4, liblockfile1, libidn12: what the unpacked sendmail and Exim below need
# (m4 builds sendmail.cf; the libraries conflict with nothing).
PACKAGES="procmail postfix util-linux passwd publicsuffix python3 dovecot-sieve m4 liblockfile1 libidn12"

missing=
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# Debian's postinst may start the system postfix on some images; the tests
# use their own instance on a high loopback port, so the system one is
# harmless, but stop it to keep port 25 and the queue untouched.
if command -v postfix >/dev/null 2>&1; then
  $SUDO postfix status >/dev/null 2>&1 && $SUDO postfix stop >/dev/null 2>&1 || true
fi

# dovecot-core's postinst may start the system Dovecot; the tests only run sievec/sieve-test.
if command -v doveadm >/dev/null 2>&1; then
  $SUDO doveadm stop >/dev/null 2>&1 || true
fi

# sendmail and Exim conflict with postfix as Debian packages, so they are
# unpacked, not installed, for test/e2e/lmtp-sendmail.test.ts and
# lmtp-exim.test.ts (which run them with private configurations). Done once:
# a stamp file makes later runs skip it.
MTA_CACHE=${MAILRULES_MTA_CACHE:-/var/cache/mailrules-ci}
unpack() {
  name=$1
  shift
  dir=$MTA_CACHE/$name
  [ -e "$dir/.unpacked" ] && return 0
  $SUDO rm -rf "$dir.tmp"
  $SUDO mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
  # shellcheck disable=SC2068
  (cd "$dir.tmp/debs" && { $SUDO apt-get download -qq $@ 2>/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get download -qq $@; }; })
  for deb in "$dir.tmp"/debs/*.deb; do $SUDO dpkg -x "$deb" "$dir.tmp/root"; done
  $SUDO rm -rf "$dir.tmp/debs" "$dir"
  $SUDO mv "$dir.tmp" "$dir"
  $SUDO touch "$dir/.unpacked"
}
unpack sendmail sendmail-bin sendmail-cf
unpack exim4 exim4-daemon-light

procmail -v 2>&1 | head -1
postconf mail_version 2>/dev/null || true
