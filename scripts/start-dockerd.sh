#!/usr/bin/env bash
# Start dockerd in the background if no daemon answers, and wait until it does.
#
# CI machines (and this dev box) have no systemd, so the daemon is started by hand.
# Usage: scripts/start-dockerd.sh            (log: ${DOCKERD_LOG:-/tmp/dockerd.log})
set -euo pipefail

DOCKER=${DOCKER:-/usr/bin/docker}
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
LOG=${DOCKERD_LOG:-/tmp/dockerd.log}

if "$DOCKER" info >/dev/null 2>&1; then
    echo "dockerd already running"
    exit 0
fi
if [[ ! -x "$DOCKERD" ]]; then
    echo "error: $DOCKERD not found; install it with: apt-get install -y docker.io debootstrap" >&2
    exit 2
fi

# setsid: the daemon must outlive this script and the shell that called it.
setsid "$DOCKERD" >"$LOG" 2>&1 </dev/null &
for _ in $(seq 1 60); do
    if "$DOCKER" info >/dev/null 2>&1; then
        echo "dockerd started (pid $(cat /var/run/docker.pid 2>/dev/null || echo '?'), log $LOG)"
        exit 0
    fi
    sleep 1
done
echo "error: dockerd did not answer within 60 s; see $LOG" >&2
tail -n 20 "$LOG" >&2
exit 1
