#!/usr/bin/env bash
# Debian packages the tests need: Chromium for browser tests, a CJK font so Japanese renders
# in screenshots, PostgreSQL for the review store tests; util-linux (unshare), mount and passwd
# (useradd) for the grading sandbox and the hub tests' learner accounts. Installs only what is missing; needs
# root or sudo (CI runs as root).
set -euo pipefail
packages=(chromium fonts-noto-cjk postgresql util-linux mount passwd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
