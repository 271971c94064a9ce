#!/bin/sh
# shellcheck disable=SC2317 # clients and server hooks are called through program_lib.sh
# ssh (OpenSSH with ConnectTimeout=10: non-blocking connect, poll,
# SO_ERROR) against sshd instances this test starts on loopback ports (own
# host key, own authorized key, no PAM): two refusals open the breaker and
# the third ssh fails with its own "Connection refused" line and exit 255;
# while open a restarted sshd logs no connection; after open_timeout the
# next ssh runs its command and the breaker closes; an sshd on a port no
# breaker covers runs the command exactly as without the shim.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/program_lib.sh"
need ssh ssh-keygen python3
[ -x /usr/sbin/sshd ] || skip "sshd (openssh-server) not installed"
[ "$(id -u)" = 0 ] || skip "sshd test needs root"
# sshd refuses to start without its privilege separation directory, which
# systemd would create (RuntimeDirectory=sshd).
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd

ssh-keygen -q -t ed25519 -N '' -C cbtest-host -f "$T/hostkey"
ssh-keygen -q -t ed25519 -N '' -C cbtest-user -f "$T/userkey"
cp "$T/userkey.pub" "$T/authorized_keys"

# The client: one remote command.
sshc() {
	"$1" ssh -F /dev/null -i "$T/userkey" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=10 -p "$2" root@127.0.0.1 echo cbreaker
}

# start_sshd PORT - sshd on 127.0.0.1:PORT in the foreground (stopped by
# pid), logging each connection (LogLevel VERBOSE) to $T/sshdPORT.log.
start_sshd() {
	cat >"$T/sshd$1.conf" <<EOF
Port $1
ListenAddress 127.0.0.1
HostKey $T/hostkey
AuthorizedKeysFile $T/authorized_keys
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
LogLevel VERBOSE
EOF
	background "sshd$1" /usr/sbin/sshd -D -e -f "$T/sshd$1.conf"
	wait_until 10 grep -q "Server listening on 127.0.0.1 port $1" "$T/sshd$1.log"
}

sshd_accepts() {
	grep -c "^Connection from " "$T/sshd$1.log" || true
}

program_cycle sshc "$T/c.ini" "$(free_port)" start_sshd sshd_accepts
U=$(free_port)
start_sshd "$U"
program_passes sshc "$T/c.ini" "$U"
exit 0
