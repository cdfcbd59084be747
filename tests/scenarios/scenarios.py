"""The real-fault scenarios: for each, a setup that makes the fault and
returns the job to run, and what logtriage must say about it.

Addresses are loopback only (127.0.0.1 on free ports), or addresses in
a network namespace of the job's own (`unshare -n`), where nothing can
leave the machine.  Names that would be looked up are resolved inside
such a namespace, where no resolver is reachable.
"""
import http.server
import os
import socket
import socketserver
import subprocess
import threading
import time

from scen import Expect, Job, free_port, need, need_root, need_tool, sh

REGISTRY = {}


def scenario(name, category, evidence, remedy):
    """category "clean": the job recovers from its fault and succeeds,
    and the verdict must be clean; evidence is then what must be in the
    job's output to show the fault happened (remedy is None)."""
    def deco(fn):
        REGISTRY[name] = (fn, Expect(category, evidence, remedy))
        return fn
    return deco


# -- helpers ------------------------------------------------------------

def unshare_base():
    """unshare as root; as another user, in a user namespace of its own
    (-r), where the kernel allows that."""
    need_tool("unshare")
    return ["unshare"] if os.geteuid() == 0 else ["unshare", "-r"]


def tmpfs_wrap(ctx, size="2m"):
    """Run the job in a mount namespace of its own with a small tmpfs at
    ctx.path('mnt'): the mount goes away with the job, whatever happens.
    The trap is for tidiness inside the namespace."""
    need_tool("mount")
    base = unshare_base() + ["-m", "--propagation", "private"]
    mnt = ctx.path("mnt")
    os.makedirs(mnt)
    probe = subprocess.run(base + ["mount", "-t", "tmpfs", "-o",
                                   f"size={size}", "tmpfs", mnt],
                           capture_output=True)
    need(probe.returncode == 0,
         f"cannot mount a tmpfs in a mount namespace: {probe.stderr!r}")
    return mnt, base + [
        "sh", "-c", 'mount -t tmpfs -o size="$1" tmpfs "$0" || exit 99; '
        'trap \'umount -l "$0"\' EXIT; shift; "$@"', mnt, size]


def netns_wrap(lo_up=False):
    """A network namespace with no interfaces up (or only lo)."""
    base = unshare_base() + ["-n"]
    probe = subprocess.run(base + ["true"], capture_output=True)
    need(probe.returncode == 0,
         f"cannot make a network namespace: {probe.stderr!r}")
    if lo_up:
        need_tool("ip")
        return base + ["sh", "-c", 'ip link set lo up || exit 99; "$@"',
                       "netns"]
    return base


def closed_port():
    """A loopback port nothing listens on (bound then closed)."""
    return free_port()


def blob(ctx, name, size):
    p = ctx.path(name)
    with open(p, "wb") as f:
        f.write(os.urandom(size))
    return p


def unprivileged(ctx):
    need_root()
    need_tool("runuser")
    try:
        import pwd
        pwd.getpwnam("nobody")
    except KeyError:
        need(False, "no user 'nobody' to run the job as")
    return ["runuser", "-u", "nobody", "--"]


class Answer(http.server.BaseHTTPRequestHandler):
    """Answers every request with one fixed status."""
    status = 500
    headers_out = ()
    body = b""

    def answer(self):
        self.send_response(self.status)
        for k, v in self.headers_out:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.body)

    do_GET = do_POST = do_HEAD = do_PUT = answer

    def log_message(self, *a):
        pass


def http_answering(ctx, status, headers, body):
    h = type("H", (Answer,), {"status": status, "headers_out": headers,
                              "body": body})
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), h)
    srv.daemon_threads = True
    return ctx.thread_server(srv)


def silent_listener(ctx, accept):
    """A loopback listener that never answers.  accept=True: it takes
    connections and says nothing.  accept=False: its accept queue is
    full, so the kernel drops further SYNs and connect() times out."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    held = [s]
    ctx.stack.callback(lambda: [x.close() for x in held])
    if accept:
        stop = threading.Event()

        def loop():
            s.settimeout(0.2)
            while not stop.is_set():
                try:
                    c, _ = s.accept()
                    held.append(c)
                except OSError:
                    pass
        t = threading.Thread(target=loop, daemon=True)
        t.start()
        ctx.stack.callback(stop.set)
    else:
        for _ in range(3):          # fill the queue (backlog 0 holds 1)
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            held.append(c)
        time.sleep(0.2)
        c = socket.socket()
        c.settimeout(1)
        try:
            c.connect(("127.0.0.1", port))
            full = False
        except OSError:
            full = True
        c.close()
        need(full, "the kernel accepted a connection past a full backlog")
    return port


def self_signed(ctx, name="srv"):
    need_tool("openssl")
    key, crt = ctx.path(f"{name}.key"), ctx.path(f"{name}.pem")
    sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
        crt, "-days", "30", "-subj", "/CN=127.0.0.1", "-addext",
        "subjectAltName=IP:127.0.0.1"])
    return key, crt


def expired(ctx):
    """A CA the client trusts and a server certificate it signed that
    expired in 2020 (openssl ca takes explicit dates)."""
    need_tool("openssl")
    cakey, cacrt = self_signed(ctx, "ca")
    d = ctx.path("ca.d")
    os.makedirs(d)
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("1000\n")
    conf = ctx.write("ca.cnf", f"""[ca]
default_ca = this
[this]
dir = {d}
database = {d}/index.txt
serial = {d}/serial
new_certs_dir = {d}
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
""")
    key, csr, crt = ctx.path("srv.key"), ctx.path("srv.csr"), ctx.path(
        "srv.pem")
    sh(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
        csr, "-subj", "/CN=127.0.0.1", "-addext",
        "subjectAltName=IP:127.0.0.1"])
    sh(["openssl", "ca", "-batch", "-config", conf, "-cert", cacrt,
        "-keyfile", cakey, "-in", csr, "-out", crt, "-notext",
        "-startdate", "20200101000000Z", "-enddate", "20200401000000Z"])
    return key, crt, cacrt


def tls_server(ctx, key, crt):
    port = free_port()
    ctx.popen(["openssl", "s_server", "-quiet", "-accept",
               f"127.0.0.1:{port}", "-cert", crt, "-key", key, "-www"],
              port=port, stdin=subprocess.DEVNULL)
    return port


PY_FETCH = ('python3 -c "import urllib.request; print(urllib.request.'
            'urlopen(\'https://127.0.0.1:{port}/\').read())"')


def ssh_banner(port):
    """1 when 127.0.0.1:port greets like an SSH server."""
    try:
        with socket.create_connection(("127.0.0.1", port), 2) as c:
            c.settimeout(2)
            return c.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def sshd(ctx):
    need_root()
    need_tool("/usr/sbin/sshd", "ssh", "ssh-keygen")
    hk = ctx.path("host_key")
    sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hk])
    authorized = ctx.path("authorized_keys")
    ak = ctx.path("authorized")
    sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ak])
    os.rename(ak + ".pub", authorized)
    os.chmod(authorized, 0o644)
    if not os.path.isdir("/run/sshd"):
        os.makedirs("/run/sshd", 0o755)
        ctx.stack.callback(lambda: os.rmdir("/run/sshd"))
    # free_port() only proposes a port: a scenario running beside this one
    # may take it before sshd binds it, and then the job would talk to
    # that other server.  So the port counts only when sshd is still
    # running and the port answers with an SSH banner; else another port.
    for attempt in range(5):
        port = free_port()
        conf = ctx.write(f"sshd_config.{attempt}", f"""Port {port}
ListenAddress 127.0.0.1
HostKey {hk}
AuthorizedKeysFile {authorized}
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
""")
        try:
            p = ctx.popen(["/usr/sbin/sshd", "-D", "-e", "-f", conf],
                          port=port)
        except RuntimeError:
            continue
        if p.poll() is None and ssh_banner(port):
            break
    else:
        raise RuntimeError("sshd did not come up on a port of its own")
    key = ctx.path("deploy_key")    # a key the server does not accept
    sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
    return port, key


SSH_OPTS = ("-o BatchMode=yes -o StrictHostKeyChecking=no "
            "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR")


# -- disk full ----------------------------------------------------------

@scenario("disk.dd", "disk_space", r"(?i)no space left on device",
          r"Free space")
def _(ctx):
    mnt, wrap = tmpfs_wrap(ctx)
    return Job("dd into a full disk",
               f"dd if=/dev/zero of={mnt}/cache.img bs=1M count=8\n",
               wrap=wrap)


@scenario("disk.tar", "disk_space", r"(?i)no space left on device",
          r"Free space")
def _(ctx):
    mnt, wrap = tmpfs_wrap(ctx)
    os.makedirs(ctx.path("dist"))
    for i in range(3):
        with open(ctx.path("dist", f"part{i}.bin"), "wb") as f:
            f.write(os.urandom(1 << 20))
    sh(["tar", "-cf", ctx.path("dist.tar"), "-C", ctx.tmp, "dist"])
    return Job("unpack the build", f"tar -xf {ctx.tmp}/dist.tar -C {mnt}\n",
               wrap=wrap)


@scenario("disk.git-clone", "disk_space", r"(?i)no space left on device",
          r"Free space")
def _(ctx):
    need_tool("git")
    mnt, wrap = tmpfs_wrap(ctx)
    src = ctx.path("src")
    os.makedirs(src)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@x",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@x",
               HOME=ctx.tmp)
    sh(["git", "init", "-q", src], env=env)
    for i in range(3):
        with open(os.path.join(src, f"asset{i}.bin"), "wb") as f:
            f.write(os.urandom(1 << 20))
    sh(["git", "-C", src, "add", "."], env=env)
    sh(["git", "-C", src, "commit", "-qm", "assets"], env=env)
    return Job("checkout",
               f"git clone --no-local {src} {mnt}/app\n", wrap=wrap)


# -- DNS failure, network unreachable -------------------------------------

@scenario("dns.curl", "network_connectivity", r"Could not resolve host",
          r"DNS")
def _(ctx):
    need_tool("curl")
    return Job("download the toolchain",
               "curl -fsSL -o tool.tgz "
               "https://downloads.example.com/tool.tgz\n",
               wrap=netns_wrap())


@scenario("dns.git", "network_connectivity", r"Could not resolve host",
          r"DNS")
def _(ctx):
    need_tool("git")
    return Job("checkout", "git clone https://github.com/octo-org/app.git\n",
               wrap=netns_wrap())


@scenario("dns.pip", "network_connectivity",
          r"(?i)name resolution|resolve", r"DNS")
def _(ctx):
    r = subprocess.run(["python3", "-m", "pip", "--version"],
                       capture_output=True)
    need(r.returncode == 0, "python3 -m pip is not installed "
         "(apt-get install python3-pip)")
    return Job("install dependencies",
               "python3 -m pip --isolated download --no-cache-dir "
               "--retries 1 --timeout 2 --index-url https://pypi.org/simple "
               "-d wheels requests\n",
               wrap=netns_wrap())


@scenario("dns.apt", "network_connectivity", r"Temporary failure resolving",
          r"DNS")
def _(ctx):
    need_root()     # apt drops to _apt for its downloads: a user namespace
    need_tool("apt-get")    # cannot do that (setgroups fails)
    d = ctx.path("apt")
    for sub in ("lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(d, sub))
    ctx.write("apt/sources.list",
              "deb http://deb.example.com/debian bookworm main\n")
    return Job("apt-get update",
               f"apt-get -o Dir::Etc::SourceList={d}/sources.list "
               f"-o Dir::Etc::SourceParts=/nonexistent "
               f"-o Dir::State::Lists={d}/lists -o Dir::Cache={d}/cache "
               f"-o Debug::NoLocking=1 -o Acquire::Retries=0 "
               f"update --error-on=any\n",
               wrap=netns_wrap())


@scenario("net.unreachable-curl", "network_connectivity",
          r"Failed to connect to 192\.0\.2\.1",
          # curl 7.88 writes the same words for refused and unreachable
          r"network path|reachable|firewall")
def _(ctx):
    need_tool("curl")
    # 192.0.2.0/24 is TEST-NET-1, and the namespace has no route anyway
    return Job("fetch the artifact",
               "curl -fsS -o app.zip http://192.0.2.1/artifacts/app.zip\n",
               wrap=netns_wrap(lo_up=True))


@scenario("net.unreachable-ssh", "network_connectivity",
          r"Network is unreachable", r"network path|reachable")
def _(ctx):
    need_tool("ssh")
    return Job("deploy",
               f"ssh {SSH_OPTS} deploy@192.0.2.1 ./deploy.sh\n",
               wrap=netns_wrap(lo_up=True))


# -- connection refused, connect timeout ---------------------------------

@scenario("refused.curl", "network_connectivity",
          r"Failed to connect to 127\.0\.0\.1", r"listening")
def _(ctx):
    need_tool("curl")
    return Job("health check",
               f"curl -fsS http://127.0.0.1:{closed_port()}/healthz\n")


@scenario("refused.git", "network_connectivity",
          r"Failed to connect to 127\.0\.0\.1", r"listening")
def _(ctx):
    need_tool("git")
    return Job("checkout", f"git clone "
               f"http://127.0.0.1:{closed_port()}/octo-org/app.git\n")


@scenario("refused.curl-retry", "network_connectivity",
          r"Failed to connect to 127\.0\.0\.1", r"listening")
def _(ctx):
    # the counterpart of recover.curl-retry: the service never comes up
    need_tool("curl")
    return Job("fetch the artifact",
               "curl -fS --retry 2 --retry-connrefused --retry-delay 1 "
               f"-o app.zip http://127.0.0.1:{closed_port()}/app.zip\n")


@scenario("refused.ssh", "network_connectivity", r"Connection refused",
          r"listening")
def _(ctx):
    need_tool("ssh")
    return Job("deploy", f"ssh {SSH_OPTS} -p {closed_port()} "
               "deploy@127.0.0.1 ./deploy.sh\n")


@scenario("timeout.connect-curl", "network_connectivity",
          r"Failed to connect to 127\.0\.0\.1.*(?i:timeout|timed out)",
          r"network path|reachable")
def _(ctx):
    need_tool("curl")
    port = silent_listener(ctx, accept=False)
    return Job("fetch the artifact",
               f"curl -fsS --connect-timeout 2 "
               f"http://127.0.0.1:{port}/artifacts/app.zip\n")


@scenario("timeout.connect-ssh", "network_connectivity",
          r"(?i)Connection timed out", r"network path|reachable")
def _(ctx):
    need_tool("ssh")
    port = silent_listener(ctx, accept=False)
    return Job("deploy", f"ssh {SSH_OPTS} -o ConnectTimeout=2 -p {port} "
               "deploy@127.0.0.1 ./deploy.sh\n")


@scenario("timeout.read-curl", "network_connectivity",
          r"(?i)Operation timed out", r"network path|reachable")
def _(ctx):
    need_tool("curl")
    port = silent_listener(ctx, accept=True)
    return Job("fetch the artifact",
               f"curl -fsS --max-time 2 "
               f"http://127.0.0.1:{port}/artifacts/app.zip\n")


@scenario("timeout.banner-ssh", "network_connectivity",
          r"(?i)timed out during banner exchange", r"network path|reachable")
def _(ctx):
    need_tool("ssh")
    port = silent_listener(ctx, accept=True)
    return Job("deploy", f"ssh {SSH_OPTS} -o ConnectTimeout=2 -p {port} "
               "deploy@127.0.0.1 ./deploy.sh\n")


# -- TLS -----------------------------------------------------------------

@scenario("tls.self-signed-curl", "tls_certificate",
          r"(?i)self[- ]signed certificate", r"certificate")
def _(ctx):
    need_tool("curl")
    port = tls_server(ctx, *self_signed(ctx))
    return Job("download", f"curl -fsS https://127.0.0.1:{port}/\n")


# git on Debian is built with GnuTLS, which does not say why it rejected
# the certificate
@scenario("tls.self-signed-git", "tls_certificate",
          r"certificate verification failed", r"certificate")
def _(ctx):
    need_tool("git")
    port = tls_server(ctx, *self_signed(ctx))
    return Job("checkout",
               f"git clone https://127.0.0.1:{port}/octo-org/app.git\n")


@scenario("tls.self-signed-python", "tls_certificate",
          r"CERTIFICATE_VERIFY_FAILED", r"certificate")
def _(ctx):
    port = tls_server(ctx, *self_signed(ctx))
    return Job("fetch", PY_FETCH.format(port=port) + "\n")


@scenario("tls.expired-curl", "tls_certificate",
          r"(?i)certificate has expired", r"certificate")
def _(ctx):
    need_tool("curl")
    key, crt, ca = expired(ctx)
    port = tls_server(ctx, key, crt)
    return Job("download",
               f"curl -fsS --cacert {ca} https://127.0.0.1:{port}/\n")


@scenario("tls.expired-git", "tls_certificate",
          r"certificate verification failed", r"certificate")
def _(ctx):
    need_tool("git")
    key, crt, ca = expired(ctx)
    port = tls_server(ctx, key, crt)
    return Job("checkout",
               f"git clone https://127.0.0.1:{port}/octo-org/app.git\n",
               env={"GIT_SSL_CAINFO": ca})


@scenario("tls.expired-python", "tls_certificate",
          r"(?i)certificate has expired", r"certificate")
def _(ctx):
    key, crt, ca = expired(ctx)
    port = tls_server(ctx, key, crt)
    return Job("fetch", PY_FETCH.format(port=port) + "\n",
               env={"SSL_CERT_FILE": ca})


# -- authentication ------------------------------------------------------

def http_401(ctx):
    return http_answering(ctx, 401, [("WWW-Authenticate",
                                      'Basic realm="octo-org"')],
                          b"Unauthorized\n")


@scenario("auth.git-401", "authentication", r"(?i)Authentication failed",
          r"token")
def _(ctx):
    need_tool("git")
    port = http_401(ctx)
    return Job("checkout",
               f"git clone http://x-access-token:ghs_0123456789abcdefABCDEF"
               f"0123456789abcd@127.0.0.1:{port}/octo-org/app.git\n")


@scenario("auth.curl-401", "authentication", r"\b401\b", r"token")
def _(ctx):
    need_tool("curl")
    port = http_401(ctx)
    return Job("publish", f"curl -fsS -u ci:expired-password -T /etc/hostname "
               f"http://127.0.0.1:{port}/upload/app.zip\n")


@scenario("auth.ssh-publickey", "authentication",
          r"Permission denied \(publickey\)", r"SSH key|deploy key")
def _(ctx):
    port, key = sshd(ctx)
    return Job("deploy", f"ssh {SSH_OPTS} -i {key} -p {port} "
               "deploy@127.0.0.1 ./deploy.sh\n")


@scenario("auth.git-ssh", "authentication",
          r"Permission denied \(publickey\)|Could not read from remote",
          r"SSH key|deploy key")
def _(ctx):
    need_tool("git")
    port, key = sshd(ctx)
    return Job("checkout",
               f"git clone ssh://git@127.0.0.1:{port}/octo-org/app.git\n",
               env={"GIT_SSH_COMMAND": f"ssh {SSH_OPTS} -i {key}"})


# -- rate limit ----------------------------------------------------------

def http_429(ctx):
    return http_answering(ctx, 429, [("Retry-After", "60")],
                          b"Too Many Requests\n")


@scenario("rate.curl-429", "rate_limit", r"\b429\b", r"(?i)retry")
def _(ctx):
    need_tool("curl")
    port = http_429(ctx)
    return Job("download", f"curl -fsS -o dep.tgz "
               f"http://127.0.0.1:{port}/releases/dep.tgz\n")


@scenario("rate.git-429", "rate_limit", r"\b429\b|Too Many Requests",
          r"(?i)retry")
def _(ctx):
    need_tool("git")
    port = http_429(ctx)
    return Job("checkout",
               f"git clone http://127.0.0.1:{port}/octo-org/app.git\n")


# -- memory --------------------------------------------------------------

@scenario("mem.python", "memory_exhaustion", r"MemoryError", r"memory")
def _(ctx):
    return Job("build the index", "ulimit -v 262144\n"
               "python3 -c 'index = bytearray(1 << 30)'\n")


CXX_ALLOC = r"""#include <cstdio>
#include <vector>
int main() {
    std::vector<char> arena(size_t(1) << 32);
    std::printf("%zu\n", arena.size());
}
"""


@scenario("mem.cxx", "memory_exhaustion", r"bad_alloc", r"memory")
def _(ctx):
    prog = ctx.compile("alloc", CXX_ALLOC, "c++")
    return Job("link", f"ulimit -v 262144\n{prog}\n")


@scenario("mem.dd", "memory_exhaustion", r"memory exhausted", r"memory")
def _(ctx):
    return Job("copy the image", "ulimit -v 131072\n"
               "dd if=/dev/zero of=/dev/null bs=1G count=1\n")


C_ALLOC = r"""#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    size_t n = (size_t)1 << 32;
    char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "alloc: cannot reserve %zu bytes: %s\n", n,
                strerror(errno));
        return 1;
    }
    free(p);
    return 0;
}
"""


@scenario("mem.c-enomem", "memory_exhaustion", r"Cannot allocate memory",
          r"memory")
def _(ctx):
    prog = ctx.compile("alloc", C_ALLOC)
    return Job("load the model", f"ulimit -v 262144\n{prog}\n")


def memory_cgroup(ctx, limit):
    """A memory cgroup of limit bytes (v2 memory.max, or v1
    memory.limit_in_bytes), removed afterwards; the wrapper that moves
    the job into it."""
    need_root()
    own = {}
    with open("/proc/self/cgroup") as f:
        for l in f:
            hid, ctrl, path = l.rstrip("\n").split(":", 2)
            own[ctrl] = path
    v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    if v2:
        base = "/sys/fs/cgroup" + own.get("", "/")
        try:
            with open(os.path.join(base, "cgroup.subtree_control")) as f:
                ok = "memory" in f.read().split()
        except OSError:
            ok = False
        need(ok, f"cgroup v2: memory is not delegated to {base}")
        files = {"memory.max": str(limit), "memory.swap.max": "0"}
    else:
        need("memory" in own, "no cgroup memory controller")
        base = "/sys/fs/cgroup/memory" + own["memory"]
        files = {"memory.limit_in_bytes": str(limit)}
        if os.path.exists(os.path.join(base, "memory.memsw.limit_in_bytes")):
            files["memory.memsw.limit_in_bytes"] = str(limit)
    cg = os.path.join(base, f"logtriage-scen-{os.getpid()}")
    try:
        os.mkdir(cg)
    except OSError as e:
        need(False, f"cannot make a cgroup under {base}: {e}")

    def remove():
        for _ in range(50):
            try:
                os.rmdir(cg)
                return
            except OSError:
                time.sleep(0.1)
    ctx.stack.callback(remove)
    try:
        for k, v in files.items():
            with open(os.path.join(cg, k), "w") as f:
                f.write(v)
    except OSError as e:
        need(False, f"cannot set the cgroup's memory limit: {e}")
    return ["sh", "-c", 'echo $$ > "$0/cgroup.procs" || exit 99; exec "$@"',
            cg]


@scenario("mem.oom-cgroup", "memory_exhaustion",
          r"Killed|exit code 137|(?i:out of memory)", r"(?i)OOM|memory")
def _(ctx):
    wrap = memory_cgroup(ctx, 64 << 20)
    return Job("run the tests",
               "python3 -c 'cache = bytearray(512 << 20)'\n",
               wrap=wrap, kmsg=True)


# -- timeout -------------------------------------------------------------

@scenario("timeout.verbose", "timeout", r"sending signal", r"(?i)timeout")
def _(ctx):
    need_tool("timeout")
    return Job("integration tests", "timeout --verbose 2 sleep 10\n")


@scenario("timeout.exit-124", "timeout", r"exit code 124", r"(?i)timeout")
def _(ctx):
    need_tool("timeout")
    return Job("integration tests", "timeout 2 sleep 10\n",
               journal_exit_code=True)


# -- resource limits -----------------------------------------------------

@scenario("limits.nofile", "resource_limit", r"Too many open files",
          r"ulimit -n")
def _(ctx):
    return Job("open the shards", "ulimit -n 32\n"
               "python3 -c 'shards = [open(\"/dev/null\") "
               "for _ in range(100)]'\n")


@scenario("limits.nproc", "resource_limit",
          r"Resource temporarily unavailable", r"ulimit -u")
def _(ctx):
    wrap = unprivileged(ctx)
    return Job("start the workers", "ulimit -u 8\n"
               "python3 -c 'import os, time\n"
               "for i in range(32):\n"
               "    if os.fork() == 0:\n"
               "        time.sleep(3); os._exit(0)'\n", wrap=wrap)


# -- crash ---------------------------------------------------------------

C_SEGV = r"""#include <stdio.h>
struct config { const char *name; };
static struct config *load(void) { return NULL; }
int main(void) {
    struct config *c = load();
    printf("%s\n", c->name);
    return 0;
}
"""

C_ABORT = r"""#include <assert.h>
#include <stddef.h>
static void *load(void) { return NULL; }
int main(void) {
    void *config = load();
    assert(config != NULL);
    return 0;
}
"""


@scenario("crash.segv", "service_crash", r"Segmentation fault",
          r"core dump|backtrace")
def _(ctx):
    prog = ctx.compile("server", C_SEGV)
    return Job("smoke test", f"{prog}\n")


@scenario("crash.abort", "service_crash", r"Aborted|Assertion",
          r"core dump|backtrace")
def _(ctx):
    prog = ctx.compile("server", C_ABORT)
    return Job("smoke test", f"{prog}\n")


# -- permission denied ---------------------------------------------------

@scenario("perm.read", "permission_denied", r"Permission denied",
          r"owner and mode")
def _(ctx):
    wrap = unprivileged(ctx)
    f = ctx.write("deploy.env", "REGION=eu\n", 0o600)
    return Job("load the settings", f"cat {f}\n", wrap=wrap)


@scenario("perm.write", "permission_denied", r"Permission denied",
          r"owner and mode")
def _(ctx):
    wrap = unprivileged(ctx)
    d = ctx.path("_work")
    os.makedirs(d)
    os.chmod(d, 0o755)
    return Job("prepare the workspace", f"mkdir {d}/build\n", wrap=wrap)


# -- recovered: the fault goes away and the job succeeds -----------------

def late_http_server(ctx, root, delay):
    """Debian's python3 -m http.server on a loopback port, started only
    after `delay` seconds (the service the job needs is still coming up)."""
    port = free_port()
    ctx.popen(["sh", "-c", f'sleep {delay}; exec python3 -m http.server '
               f'--bind 127.0.0.1 --directory "$0" {port}', root])
    return port


def flaky_http_server(ctx, root, failures):
    """A loopback file server that closes its first `failures`
    connections without an answer (a proxy or a backend restarting)."""
    left = [failures]
    lock = threading.Lock()

    class H(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def do_GET(self):
            with lock:
                fail = left[0] > 0
                left[0] -= 1
            if fail:
                self.close_connection = True
            else:
                super().do_GET()

        def log_message(self, *a):
            pass
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    return ctx.thread_server(srv)


@scenario("recover.curl-retry", "clean", r"Will retry", None)
def _(ctx):
    need_tool("curl")
    www = ctx.path("www")
    os.makedirs(www)
    with open(os.path.join(www, "app.zip"), "wb") as f:
        f.write(os.urandom(4096))
    port = late_http_server(ctx, www, 1.5)
    return Job("fetch the artifact",
               f"curl -fS --retry 5 --retry-connrefused --retry-delay 1 "
               f"-o app.zip http://127.0.0.1:{port}/app.zip\n")


@scenario("recover.pip-retry", "clean", r"WARNING: Retrying", None)
def _(ctx):
    import zipfile
    r = subprocess.run(["python3", "-m", "pip", "--version"],
                       capture_output=True)
    need(r.returncode == 0, "python3 -m pip is not installed "
         "(apt-get install python3-pip)")
    www = ctx.path("index")
    os.makedirs(os.path.join(www, "simple", "demo"))
    os.makedirs(os.path.join(www, "files"))
    whl = "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(www, "files", whl), "w") as z:
        z.writestr("demo/__init__.py", "")
        z.writestr("demo-1.0.dist-info/METADATA",
                   "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        z.writestr("demo-1.0.dist-info/WHEEL",
                   "Wheel-Version: 1.0\nGenerator: scen\n"
                   "Root-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr("demo-1.0.dist-info/RECORD", "")
    with open(os.path.join(www, "simple", "demo", "index.html"), "w") as f:
        f.write(f'<html><body><a href="../../files/{whl}">{whl}</a>'
                '</body></html>\n')
    port = flaky_http_server(ctx, www, 2)
    return Job("install dependencies",
               "python3 -m pip --isolated download --no-cache-dir "
               f"--retries 5 --index-url http://127.0.0.1:{port}/simple "
               "-d wheels demo\n")
