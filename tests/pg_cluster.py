"""A private, throw-away PostgreSQL + PostGIS cluster for tests (Debian's postgresql-15 packages).

The cluster lives in its own temporary directory, listens only on 127.0.0.1 on a free port (and on
a unix socket inside that directory), trusts every local connection and trades durability for
speed (fsync, synchronous_commit and full_page_writes off). It never touches the packaged default
cluster (15/main, port 5432).

    reason = unavailable_reason()        # None when usable, else why not (for pytest.skip)
    cluster = PrivateCluster().start()   # or: with PrivateCluster() as cluster: ...
    psycopg2.connect(cluster.conninfo())                 # host=127.0.0.1 port=... dbname=lep user=postgres
    os.environ["PGSERVICEFILE"] = cluster.service_file   # then psycopg2.connect("service=lep_test")
    cluster.stop()                       # pg_ctl stop -m immediate, and the directory is removed

PostgreSQL refuses to run as root: when this process is root, initdb and pg_ctl run as the
`postgres` OS user (runuser) and the directory is handed to that user; otherwise they run as the
current user.
"""
import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

BINDIR = os.environ.get("LEP_PG_BINDIR", "/usr/lib/postgresql/15/bin")
EXTENSION_DIR = "/usr/share/postgresql/15/extension"
OS_USER = "postgres"
SERVICE = "lep_test"
DBNAME = "lep"
HOST = "127.0.0.1"


def _is_root():
    return os.geteuid() == 0


def unavailable_reason(bindir=BINDIR):
    """None when a private cluster can be started here, else a sentence saying what is missing."""
    for tool in ("initdb", "pg_ctl", "postgres", "psql"):
        path = os.path.join(bindir, tool)
        if not os.access(path, os.X_OK):
            return f"PostgreSQL 15 is not installed ({path} missing; run scripts/setup.sh as root)"
    if bindir == BINDIR and not os.path.exists(os.path.join(EXTENSION_DIR, "postgis.control")):
        return "PostGIS for PostgreSQL 15 is not installed (postgresql-15-postgis-3; run scripts/setup.sh as root)"
    if _is_root():
        if shutil.which("runuser") is None:
            return "runuser is missing (needed to run PostgreSQL as the postgres user)"
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"there is no '{OS_USER}' OS user to run PostgreSQL as"
    return None


def available(bindir=BINDIR):
    """True when a private cluster can be started here (unavailable_reason() says why not)."""
    return unavailable_reason(bindir) is None


def free_port(host=HOST):
    """A TCP port on host that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _quote(value):
    """A libpq conninfo value, quoted when it needs to be."""
    value = str(value)
    if value and not any(c in value for c in " '\\\t\n"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class PrivateCluster:
    """A PostgreSQL 15 cluster with PostGIS in a temporary directory, for one test session."""

    def __init__(self, dbname=DBNAME, service=SERVICE, base_dir=None, bindir=BINDIR):
        self.dbname = dbname
        self.service = service
        self.base_dir = base_dir          # parent of the temporary directory (default: the system's)
        self.bindir = bindir
        self.host = HOST
        self.port = None
        self.directory = None             # the temporary directory holding everything below
        self.data_dir = None
        self.socket_dir = None
        self.log_file = None
        self.service_file = None
        self.start_seconds = None         # wall time start() took
        self._running = False

    # -- life cycle -------------------------------------------------------------------------------

    def start(self):
        """Create, start and prepare the cluster; returns self. Raises RuntimeError on failure."""
        reason = unavailable_reason(self.bindir)
        if reason:
            raise RuntimeError(reason)
        began = time.monotonic()
        self.directory = tempfile.mkdtemp(prefix="lep-pg-", dir=self.base_dir)
        try:
            self._prepare_directory()
            self._initdb()
            self._configure_static()
            self._start_server()
            self._psql("postgres", f'CREATE DATABASE "{self.dbname}"')
            self._psql(self.dbname, "CREATE EXTENSION postgis")
            self._write_service_file()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def stop(self):
        """Stop the server (immediate mode) and remove the directory; safe to call more than once."""
        atexit.unregister(self.stop)
        if self._running:
            self._running = False
            done = self._run_as_owner([self._bin("pg_ctl"), "-D", self.data_dir, "-m", "immediate", "-w",
                                       "-t", "30", "stop"], check=False)
            if done.returncode != 0:
                self._kill_postmaster()
        if self.directory and os.path.isdir(self.directory):
            shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- connecting -------------------------------------------------------------------------------

    def conninfo(self, user="postgres", dbname=None):
        """A libpq key=value connection string over TCP to 127.0.0.1."""
        parts = {"host": self.host, "port": self.port, "dbname": dbname or self.dbname, "user": user}
        return " ".join(f"{key}={_quote(value)}" for key, value in parts.items())

    # -- internals --------------------------------------------------------------------------------

    def _bin(self, tool):
        return os.path.join(self.bindir, tool)

    def _prepare_directory(self):
        self.data_dir = os.path.join(self.directory, "data")
        self.socket_dir = os.path.join(self.directory, "socket")
        self.log_file = os.path.join(self.directory, "server.log")
        self.service_file = os.path.join(self.directory, "pg_service.conf")
        os.mkdir(self.socket_dir, 0o700)
        if _is_root():
            entry = pwd.getpwnam(OS_USER)
            for path in (self.directory, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            # The postgres user must be able to reach the directory through every parent.
            probe = subprocess.run(["runuser", "-u", OS_USER, "--", "test", "-w", self.directory],
                                   cwd="/", capture_output=True)
            if probe.returncode != 0:
                raise RuntimeError(f"the '{OS_USER}' user cannot reach {self.directory}: choose a base_dir "
                                   "whose parents are traversable by everyone (such as /tmp)")

    def _run_as_owner(self, argv, check=True):
        """Run a server-side tool as the cluster's owner, with a clean libpq environment."""
        tool = os.path.basename(argv[0])
        if _is_root():
            argv = ["runuser", "-u", OS_USER, "--"] + argv
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        done = subprocess.run(argv, cwd=self.directory, env=env, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stdout}{done.stderr}{self._log_tail()}")
        return done

    def _write(self, path, text, mode="w"):
        """Write (or append to) a file the server reads, owned by the cluster's owner."""
        with open(path, mode) as handle:
            handle.write(text)
        os.chmod(path, 0o600)
        if _is_root():
            entry = pwd.getpwnam(OS_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _initdb(self):
        self._run_as_owner([self._bin("initdb"), "-D", self.data_dir, "-U", "postgres", "-E", "UTF8",
                            "--locale=C.UTF-8", "-A", "trust", "--no-sync", "--no-instructions"])
        self._write(os.path.join(self.data_dir, "pg_hba.conf"),
                    "# Private test cluster: trust on the unix socket and on 127.0.0.1 only.\n"
                    "local all         all               trust\n"
                    "local replication all               trust\n"
                    "host  all         all  127.0.0.1/32 trust\n"
                    "host  replication all  127.0.0.1/32 trust\n")

    def _configure_static(self):
        self._write(os.path.join(self.data_dir, "postgresql.conf"),
                    "\n# Private test cluster (tests/pg_cluster.py)\n"
                    f"listen_addresses = '{self.host}'\n"
                    f"unix_socket_directories = '{self.socket_dir}'\n"
                    "fsync = off\n"
                    "synchronous_commit = off\n"
                    "full_page_writes = off\n"
                    "max_connections = 50\n"
                    "shared_buffers = 32MB\n"
                    "include_if_exists = 'lep_port.conf'\n", mode="a")

    def _start_server(self, attempts=3):
        # free_port() can race with another process grabbing the port: retry with a fresh one.
        for attempt in range(attempts):
            self.port = free_port(self.host)
            self._write(os.path.join(self.data_dir, "lep_port.conf"), f"port = {self.port}\n")
            done = self._run_as_owner([self._bin("pg_ctl"), "-D", self.data_dir, "-l", self.log_file,
                                       "-w", "-t", "60", "start"], check=False)
            if done.returncode == 0:
                self._running = True
                atexit.register(self.stop)
                return
            self._running = True          # a half-started postmaster must still be stopped
            self._kill_postmaster()
            self._running = False
            if "could not bind" not in self._log_tail() or attempt == attempts - 1:
                raise RuntimeError(f"pg_ctl start failed ({done.returncode}): {done.stdout}{done.stderr}"
                                   f"{self._log_tail()}")

    def _psql(self, dbname, sql):
        """Run one statement as the superuser over the unix socket (this process's own user is fine:
        the socket trusts any -U)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        done = subprocess.run([self._bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir,
                               "-p", str(self.port), "-U", "postgres", "-d", dbname, "-c", sql],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed on {sql!r}: {done.stdout}{done.stderr}")
        return done.stdout

    def _write_service_file(self):
        with open(self.service_file, "w") as service:
            service.write(f"[{self.service}]\nhost={self.host}\nport={self.port}\n"
                          f"dbname={self.dbname}\nuser=postgres\n")
        os.chmod(self.service_file, 0o644)

    def _kill_postmaster(self):
        """Last resort when pg_ctl could not stop it: SIGQUIT (immediate shutdown), then SIGKILL,
        to this cluster's postmaster only (its pid from postmaster.pid)."""
        pid_file = os.path.join(self.data_dir or "", "postmaster.pid")
        try:
            with open(pid_file) as handle:
                pid = int(handle.readline().strip())
        except (OSError, ValueError):
            return
        try:  # only if that pid really is this cluster's postmaster (pids get reused)
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if self.data_dir.encode() not in handle.read():
                    return
        except OSError:
            return
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)

    def _log_tail(self, lines=20):
        try:
            with open(self.log_file, errors="replace") as log:
                return "\n--- server log ---\n" + "".join(log.readlines()[-lines:])
        except (OSError, TypeError):
            return ""
