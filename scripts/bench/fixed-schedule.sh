#!/usr/bin/env bash
# A baseline client for the benchmark: what a hand-written provisioning script does. It POSTs for
# a registration token; after a 5xx it sleeps the next wait and tries again; any other answer, a
# connection failure or running out of waits ends it. No jitter, no retry-after.
# Usage: fixed-schedule.sh HOST PORT PATH [WAIT_SECONDS ...]   (no waits: one attempt, no retry)
# The caller's token comes in $GITHUB_TOKEN. The request goes through bash's /dev/tcp rather than
# curl: the same POST, but without starting a process per attempt, which on a 2-core machine
# running 100 clients would itself spread the retries that a fixed schedule sends in lockstep.
host=$1 port=$2 path=$3
shift 3
while :; do
  status=000
  if exec 3<>"/dev/tcp/$host/$port"; then
    printf 'POST %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\nAccept: application/vnd.github+json\r\nUser-Agent: fixed-schedule.sh\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' \
      "$path" "$host" "$port" "$GITHUB_TOKEN" >&3
    read -r _ status _ <&3
    exec 3<&-
  fi
  case $status in
    201) exit 0 ;;
    5??) ;;
    *) exit 1 ;;
  esac
  [ $# -gt 0 ] || exit 1
  echo "retrying in $1 s"
  sleep "$1"
  shift
done
