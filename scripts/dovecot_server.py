"""A throwaway IMAP server: Debian's Dovecot on loopback, for tests and benchmarks.

    with DovecotServer(users={"north": "secret-n", "south": "secret-s"}) as imap:
        imap.append("north", b"Subject: hi\\r\\n\\r\\nhello\\r\\n")
        imap.fetch_all("north")  # [(b"Subject: hi...", set())]

Each server has a fresh temporary directory of its own: its configuration, its
sockets and state, its log and every user's mail (Maildir). Dovecot runs in the
foreground as our child and is stopped, its directory removed, on leaving the
block. ``scripts/ensure-dovecot`` installs Debian's dovecot-imapd when missing.

``python scripts/dovecot_server.py`` starts one with the user demo/demo and waits
for Ctrl-C, for trying things by hand.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
START_TIMEOUT = 15.0

CONFIG = """\
# A private dovecot for tests: loopback only, plain passwords, no TLS.
base_dir = {base_dir}
state_dir = {state_dir}
instance_name = amends-test-{port}
log_path = {log}
info_log_path = {log}
debug_log_path = {log}
import_environment = TZ
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# A wrong password answers at once (dovecot waits 2 s) and slows no later login
# (dovecot's penalty waits up to 15 s for the address: no penalty socket, none).
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_uid = {uid}
mail_gid = {gid}
mail_location = maildir:{mail}/%u
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = home={mail}/%u
}}
service imap-login {{
  chroot = {chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot = {chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


class DovecotError(RuntimeError):
    pass


def dovecot_binary() -> str | None:
    """Where Debian's dovecot is, or None."""
    found = shutil.which("dovecot") or (DOVECOT if os.access(DOVECOT, os.X_OK) else None)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(group: int, timeout: float) -> bool:
    """Whether a process of ``group`` is still there after up to ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.01)
    return True


def quote(mailbox: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends names as given)."""
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


class DovecotServer:
    """A private dovecot on 127.0.0.1 with the given users (name -> password)."""

    host = "127.0.0.1"

    def __init__(self, users: dict[str, str] | None = None, *, timeout: float = START_TIMEOUT):
        self.users = dict(users or {"demo": "demo"})
        for name, password in self.users.items():
            if not re.fullmatch(r"[A-Za-z0-9._-]+", name) or ":" in password or "\n" in password:
                raise ValueError(
                    f"a user name or password dovecot's passwd-file can't hold: {name}"
                )
        self.timeout = timeout
        self.port = 0
        self.dir: Path | None = None
        self.process: subprocess.Popen | None = None

    # -- starting and stopping -------------------------------------------------

    def __enter__(self) -> DovecotServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        binary = dovecot_binary()
        if binary is None:
            raise DovecotError("Debian's dovecot is not installed (scripts/ensure-dovecot)")
        self.dir = Path(tempfile.mkdtemp(prefix="amends-dovecot."))
        try:
            # Another process may take the free port between our probe and
            # dovecot's bind: then try another one.
            for _attempt in range(3):
                self.port = free_port()
                self._configure()
                self._spawn(binary)
                if self._wait_until_ready():
                    return
        except BaseException:
            self.stop()
            raise
        self.stop()
        raise DovecotError("dovecot could not bind a free port on 127.0.0.1")

    def _configure(self) -> None:
        assert self.dir is not None
        root = os.geteuid() == 0
        if root:
            # Dovecot's login and internal processes run as the users Debian's
            # package made; mail is read and written as Debian's "mail" user, not
            # root. They must reach the directory, but not list it.
            mail_user = pwd.getpwnam("mail")
            uid, gid = mail_user.pw_uid, mail_user.pw_gid
            internal, internal_group = "dovecot", "dovecot"
            login, chroot = "dovenull", "login"
            self.dir.chmod(0o711)
        else:
            # Without root dovecot can't change users or chroot: all is ours.
            uid, gid = os.geteuid(), os.getegid()
            internal = login = pwd.getpwuid(uid).pw_name
            internal_group = grp.getgrgid(gid).gr_name
            chroot = ""
        for name in ("base", "state", "mail"):
            (self.dir / name).mkdir(exist_ok=True)
        mail = self.dir / "mail"
        if root:
            os.chown(mail, uid, gid)
        passwd = self.dir / "passwd"
        passwd.write_text("".join(f"{u}:{p}::::::\n" for u, p in self.users.items()))
        passwd.chmod(0o600)
        if root:
            # The auth process reads it as dovecot's internal user.
            os.chown(passwd, pwd.getpwnam(internal).pw_uid, -1)
        self.config = self.dir / "dovecot.conf"
        self.config.write_text(
            CONFIG.format(
                base_dir=self.dir / "base",
                state_dir=self.dir / "state",
                log=self.dir / "dovecot.log",
                mail=mail,
                passwd=passwd,
                port=self.port,
                uid=uid,
                gid=gid,
                internal_user=internal,
                internal_group=internal_group,
                login_user=login,
                chroot=chroot,
            )
        )

    def _spawn(self, binary: str) -> None:
        assert self.dir is not None
        command = [binary, "-F", "-c", str(self.config)]
        setpriv = shutil.which("setpriv")
        if setpriv:
            # Should this process die without stopping it, dovecot goes too. (The
            # kernel means the thread that started it: start it from one that lives.)
            command = [setpriv, "--pdeathsig", "TERM", "--", *command]
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("LISTEN_", "NOTIFY"))
        }
        (self.dir / "dovecot.log").unlink(missing_ok=True)  # an earlier attempt's
        with open(self.dir / "dovecot.out", "wb") as output:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,  # Ctrl-C in a terminal is ours to handle
            )

    def _wait_until_ready(self) -> bool:
        """True once a user can log in; False when dovecot could not bind its port."""
        assert self.process is not None
        deadline = time.monotonic() + self.timeout
        user, password = next(iter(self.users.items()), (None, None))
        while True:
            if self.process.poll() is not None:
                if "in use" in self.log_tail():
                    self.process = None
                    return False
                raise DovecotError(
                    f"dovecot exited with status {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with imaplib.IMAP4(self.host, self.port, timeout=2) as client:
                    if user is not None:
                        client.login(user, password)
                        client.logout()
                    return True
            except (OSError, imaplib.IMAP4.error) as error:
                if time.monotonic() > deadline:
                    raise DovecotError(
                        f"dovecot did not let {user} log in on {self.host}:{self.port} "
                        f"within {self.timeout:g} s ({error}):\n{self.log_tail()}"
                    ) from error
                time.sleep(0.02)

    def log_tail(self, lines: int = 30) -> str:
        """The end of dovecot's log and of what it wrote on its own output."""
        text = []
        for name in ("dovecot.out", "dovecot.log"):
            path = self.dir / name if self.dir else None
            if path and path.exists():
                text += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(text)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            # Dovecot and its children share a process group of their own. TERM to
            # them all at once stops them in milliseconds; TERM to the master alone
            # takes a second, and its log process outlives it.
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=wait)
                if process.poll() is not None and not group_alive(process.pid, wait):
                    break
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # -- IMAP as a user ----------------------------------------------------------

    def connect(self, user: str) -> imaplib.IMAP4:
        """An IMAP connection logged in as ``user``; the caller logs out."""
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(user, self.users[user])
        return client

    def append(
        self, user: str, raw: bytes, folder: str = "INBOX", flags: Iterable[str] = ()
    ) -> None:
        flag_list = "(" + " ".join(flags) + ")" if flags else None
        with self.connect(user) as client:
            status, data = client.append(quote(folder), flag_list, None, raw)
            if status != "OK":
                raise DovecotError(f"APPEND to {folder} as {user}: {data!r}")

    def create_folder(self, user: str, name: str) -> None:
        with self.connect(user) as client:
            status, data = client.create(quote(name))
            if status != "OK":
                raise DovecotError(f"CREATE {name} as {user}: {data!r}")

    def folders(self, user: str) -> list[str]:
        with self.connect(user) as client:
            _status, data = client.list()
        names = []
        for line in data:
            if isinstance(line, bytes):
                name = line.decode().rsplit(' "/" ', 1)[-1]
                names.append(name[1:-1].replace('\\"', '"') if name.startswith('"') else name)
        return names

    def count(self, user: str, folder: str = "INBOX") -> int:
        with self.connect(user) as client:
            status, data = client.select(quote(folder), readonly=True)
            if status != "OK":
                raise DovecotError(f"SELECT {folder} as {user}: {data!r}")
            return int(data[0])

    def fetch_all(self, user: str, folder: str = "INBOX") -> list[tuple[bytes, set[str]]]:
        """Every message of ``folder`` in order: its raw bytes and its flags (without
        \\Recent, which depends on who looked first). Reading does not mark them
        \\Seen."""
        with self.connect(user) as client:
            status, data = client.select(quote(folder), readonly=True)
            if status != "OK":
                raise DovecotError(f"SELECT {folder} as {user}: {data!r}")
            if int(data[0]) == 0:
                return []
            status, data = client.fetch("1:*", "(FLAGS BODY.PEEK[])")
        messages = []
        for part in data:
            if isinstance(part, tuple):
                found = re.search(rb"FLAGS \(([^)]*)\)", part[0])
                flags = set(found.group(1).decode().split()) if found else set()
                flags.discard("\\Recent")  # a session's flag, not the message's
                messages.append((part[1], flags))
        return messages

    def clear(self, user: str) -> None:
        """Empty ``user``'s INBOX and delete every other folder."""
        with self.connect(user) as client:
            _status, data = client.select("INBOX")
            if int(data[0]):
                client.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                client.expunge()
            client.close()
        # Deepest first, so a folder's children go before it.
        for name in sorted(self.folders(user), key=lambda n: -n.count("/")):
            if name.upper() != "INBOX":
                with self.connect(user) as client:
                    client.delete(quote(name))


def main() -> None:
    # Stop dovecot on Ctrl-C or a plain kill, even when started where SIGINT is
    # ignored (a background job of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with DovecotServer(users={"demo": "demo"}) as server:
        print(f"host: {server.host}")
        print(f"port: {server.port}")
        print(f"users: {server.users}")
        print(f"directory: {server.dir}")
        print("Ctrl-C stops it.", flush=True)
        try:
            while server.process is not None and server.process.poll() is None:
                time.sleep(0.5)
            print(server.log_tail())
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
