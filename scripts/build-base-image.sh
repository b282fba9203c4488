#!/usr/bin/env bash
# Build the local Python base image (`local/python:3.11-bookworm`) from Debian bookworm with debootstrap.
#
# Why: this machine (and CI) cannot reach Docker Hub, so `python:3.11-slim-bookworm` cannot be pulled.
# Debian bookworm's python3 is 3.11, which the lock requires (requires-python >=3.11,<3.12).
# The image mimics the official image's layout where it matters to our Dockerfiles:
# `/usr/local/bin/python3` and `/usr/local/bin/python` exist (symlinks to Debian's /usr/bin/python3),
# so the same `PYTHON=/usr/local/bin/python3` build argument works on both bases.
#
# The rootfs tarball is cached under ~/.cache/elt/ keyed by a hash of the recipe, so reruns only
# `docker import` it (seconds instead of ~1 minute). An image already carrying the same recipe label
# is kept as is.
#
# Usage: scripts/build-base-image.sh [--force]
# Env:   BASE_IMAGE_TAG (default local/python:3.11-bookworm), DEBIAN_MIRROR (default http://deb.debian.org/debian),
#        ELT_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/elt), DOCKER (default /usr/bin/docker).
set -euo pipefail

TAG=${BASE_IMAGE_TAG:-local/python:3.11-bookworm}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE_DIR=${ELT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/elt}
DOCKER=${DOCKER:-/usr/bin/docker}
# python3-venv brings ensurepip, which the Dockerfiles use to bootstrap pip and then uv from PyPI.
# ca-certificates, netbase and tzdata are what the official slim image also carries: TLS roots,
# /etc/services and /etc/protocols (gRPC and socket.getservbyname need them), and zone data.
PACKAGES=python3,python3-venv,ca-certificates,netbase,tzdata
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

for tool in debootstrap "$DOCKER"; do
    if ! command -v "$tool" >/dev/null; then
        echo "error: $tool not found; install with: apt-get install -y docker.io debootstrap" >&2
        exit 2
    fi
done

# The recipe hash changes whenever this script changes, so a changed recipe never reuses a stale tarball.
RECIPE_HASH=$(sha256sum <"$0" | cut -c1-12)
TARBALL="$CACHE_DIR/python3.11-$SUITE-minbase-$RECIPE_HASH.tar"

existing=$("$DOCKER" image inspect "$TAG" --format '{{ index .Config.Labels "elt.base.recipe" }}' 2>/dev/null || true)
if [[ $FORCE == 0 && "$existing" == "$RECIPE_HASH" ]]; then
    echo "$TAG is up to date (recipe $RECIPE_HASH)"
    exit 0
fi

if [[ $FORCE == 1 || ! -s "$TARBALL" ]]; then
    mkdir -p "$CACHE_DIR"
    ROOTFS=$(mktemp -d /tmp/elt-rootfs.XXXXXX)
    trap 'rm -rf "$ROOTFS"' EXIT
    echo "debootstrap $SUITE into $ROOTFS (about a minute)"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 || {
        tail -n 30 "$ROOTFS.log" >&2
        exit 1
    }
    rm -f "$ROOTFS.log"
    ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python3"
    ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python"
    # Package lists and the .deb cache are rebuilt by `apt-get update`; docs and message
    # translations are never read in a batch container (UTF-8 comes from LANG=C.UTF-8, not from locale files).
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
        "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
        "$ROOTFS"/usr/share/locale/* "$ROOTFS"/var/log/*.log
    # Sorted names and a fixed mtime: the same packages give the same tarball bytes.
    tar --sort=name --numeric-owner --mtime='@0' -C "$ROOTFS" -cf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
    # Tarballs of older recipes are dead weight (~120 MB each).
    find "$CACHE_DIR" -maxdepth 1 -name "python3.11-$SUITE-minbase-*.tar" ! -name "${TARBALL##*/}" -delete
fi

"$DOCKER" import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL elt.base.recipe=$RECIPE_HASH" \
    --change 'LABEL org.opencontainers.image.title=python-3.11-bookworm-minbase' \
    --change 'CMD ["python3"]' \
    "$TARBALL" "$TAG" >/dev/null
echo "built $TAG from $TARBALL ($(du -h "$TARBALL" | cut -f1))"
