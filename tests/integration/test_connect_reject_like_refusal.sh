#!/bin/sh
# A rejection must be indistinguishable from the kernel's refusal (README
# "How calls are judged"). Call by call, a connect rejected by an open
# breaker and one the kernel refuses (a closed loopback port) show the same
# on a blocking socket (-1/ECONNREFUSED) and a non-blocking one:
# -1/EINPROGRESS; poll, select and epoll ready (POLLERR aside: the
# rejected socket lacks it); SO_ERROR ECONNREFUSED once, then 0; a second
# connect ECONNREFUSED, or ECONNABORTED after SO_ERROR; a third a new
# attempt. Then real programs: apt-get update against a loopback mirror
# (a warning and exit 0, as with a refused port: it used to say "Cannot
# initiate the connection" and exit 100) and git over http (curl's multi
# interface, seen at connect()).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/connect_lib.sh"
need python3

cat >"$T/calls.py" <<'PY'
import errno, select, socket, sys
port = int(sys.argv[1])
addr = ("127.0.0.1", port)
name = lambda e: errno.errorcode.get(e, "0") if e else "0"
def attempt(s):
    return name(s.connect_ex(addr))
b = socket.socket()
print("blocking", attempt(b))
b.close()
for reads in (2, 0):
    s = socket.socket()
    s.setblocking(False)
    out = ["connect", attempt(s)]
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLOUT | select.POLLPRI)
    ev = p.poll(1000)
    out += ["poll", hex(ev[0][1] & ~select.POLLERR if ev else 0)]
    r, w, x = select.select([s], [s], [s], 1)
    out += ["select", str(len(r)), str(len(w)), str(len(x))]
    ep = select.epoll()
    ep.register(s, select.EPOLLIN | select.EPOLLOUT | select.EPOLLRDHUP)
    ev = ep.poll(1)
    out += ["epoll", hex(ev[0][1] & ~select.EPOLLERR if ev else 0)]
    ep.close()
    for _ in range(reads):
        out += ["SO_ERROR", name(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))]
    out += ["again", attempt(s), "third", attempt(s)]
    s.close()
    print(" ".join(out))
PY
K=$(free_port)
R=$(free_port)
start_listener open "$R"
conn_config "$T/c.ini" "127.0.0.1:$R"
cbreaker -c "$T/c.ini" force-open svc >/dev/null
python3 "$T/calls.py" "$K" >"$T/kernel.out"
shim "$T/c.ini" python3 "$T/calls.py" "$R" >"$T/shim.out" 2>"$T/shim.err"
cat "$T/kernel.out"
diff "$T/kernel.out" "$T/shim.out" || echo "a rejection differs from the kernel's refusal"
grep -q "connect EINPROGRESS" "$T/shim.out" || echo "a non-blocking rejection should say EINPROGRESS"
assert_eq "$(accepted open)" 0 "connections that reached the port while rejected"

# apt-get update: the same with an open breaker as with a refused port.
if command -v apt-get >/dev/null 2>&1; then
	mkdir -p "$T/mirror" "$T/lists/partial" "$T/cache/archives/partial"
	start_server mirror http
	apt_update() { # PORT
		printf 'deb http://127.0.0.1:%s/debian bookworm main\n' "$1" >"$T/sources.list"
		apt-get update -o Dir::Etc::sourcelist="$T/sources.list" -o Dir::Etc::sourceparts=- \
			-o Dir::State::Lists="$T/lists" -o Dir::Cache="$T/cache" -o Debug::NoLocking=1 \
			-o APT::Sandbox::User=root -o Acquire::Retries=0 -o Acquire::http::Proxy=false
	}
	conn_config "$T/apt.ini" "127.0.0.1:$mirror_PORT"
	cbreaker -c "$T/apt.ini" force-open svc >/dev/null
	set +e
	apt_update "$K" >"$T/apt-kernel.out" 2>&1
	kernel_rc=$?
	CBREAKER_CONFIG="$T/apt.ini" LD_PRELOAD="$LIB" apt_update "$mirror_PORT" >"$T/apt-shim.out" 2>&1
	shim_rc=$?
	set -e
	assert_eq "$shim_rc" "$kernel_rc" "apt-get update's exit status (kernel: $(tail -n 3 "$T/apt-kernel.out"))"
	assert_eq "$kernel_rc" 0 "apt-get update against a refused port"
	grep -q "^W: .*127.0.0.1" "$T/apt-shim.out" || fail "apt-get should warn: $(cat "$T/apt-shim.out")"
	grep -q "Cannot initiate" "$T/apt-shim.out" && fail "apt-get saw an impossible connect: $(cat "$T/apt-shim.out")"
	assert_eq "$(ctl "$mirror_PORT" count)" 0 "requests that reached the mirror while open"
fi

# git over http (curl's multi interface): the same message either way.
if runs_here git; then
	norm() { sed "s/$1/PORT/g; s/after [0-9]* ms/after N ms/g"; }
	git ls-remote "http://127.0.0.1:$K/repo.git" 2>&1 | norm "$K" >"$T/git-kernel.out" || true
	shim "$T/c.ini" git ls-remote "http://127.0.0.1:$R/repo.git" 2>&1 | grep -v '^cbreaker' |
		norm "$R" >"$T/git-shim.out" || true
	diff "$T/git-kernel.out" "$T/git-shim.out" || fail "git sees a rejection unlike a refusal"
fi
exit 0
