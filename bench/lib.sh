# Shared by the bench scripts (source it): free ports, waiting for a listener, and a nimbus
# started the way each bench needs it. Bash; callers run with `set -euo pipefail`.

# Prints a TCP port free on 127.0.0.1 now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_listening PORT TRIES PAUSE: until something accepts on 127.0.0.1:PORT, trying TRIES times
# PAUSE seconds apart. Returns 1 if nothing did.
wait_listening() {
  local _
  for _ in $(seq "$2"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep "$3"
  done
  return 1
}

# start_nimbus NIMBUS DIR [serve options...]: starts `NIMBUS serve` on a free port with its data
# in DIR/data, stdout (the ready line, then the access log) in DIR/nimbus.out and stderr in
# DIR/nimbus.err, and waits up to 10 s for it to be ready. Sets nimbus_pid, nimbus_port and
# nimbus_url (http://127.0.0.1:PORT). The caller stops it. Returns 1, with its stderr shown, if
# it exits or is not ready in time.
start_nimbus() {
  local bin=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  "$bin" serve --port 0 --data-dir "$dir/data" "$@" >"$dir/nimbus.out" 2>"$dir/nimbus.err" &
  nimbus_pid=$!
  nimbus_port=""
  for _ in $(seq 200); do
    nimbus_port=$(sed -n 's/^nimbus ready on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' \
      "$dir/nimbus.out" 2>/dev/null | head -1)
    [ -n "$nimbus_port" ] && break
    kill -0 "$nimbus_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$nimbus_port" ]; then
    echo "nimbus did not get ready:" >&2
    cat "$dir/nimbus.err" >&2
    return 1
  fi
  nimbus_url="http://127.0.0.1:$nimbus_port"
}
