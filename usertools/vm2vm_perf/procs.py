# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Process orchestration: start DPDK processes with logs, stop them, and
remove everything a run made (processes, sockets, hugepage files, EAL
runtime directories, the work directory), also on SIGINT/SIGTERM."""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time

HUGE_DIR = '/dev/hugepages'
RUNTIME_DIR = '/var/run/dpdk'


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived; the run stops and cleans up."""


class StartError(Exception):
    """A process did not come up as expected (exited, no ports, no link)."""


class Proc:
    """One child process in its own process group, output in a log file.

    Its stdin is a pipe we hold open: dpdk-testpmd without --stats-period
    waits there ("Press enter to exit"); with /dev/null it would read
    end-of-file and leave at once. An interactive testpmd (-i) reads its
    commands from it (send())."""

    def __init__(self, name, argv, log_path, popen=subprocess.Popen):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log = open(log_path, 'wb')
        self.popen = popen(self.argv, stdin=subprocess.PIPE, stdout=self._log,
                           stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def send(self, text):
        """Write text to the process's stdin (an interactive testpmd's
        command line); False if it is gone."""
        try:
            self.popen.stdin.write(text.encode())
            self.popen.stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def returncode(self):
        return self.popen.poll()

    def log_text(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def log_tail(self, lines=15):
        return '\n'.join(self.log_text().splitlines()[-lines:])

    def _signal(self, sig):
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def interrupt(self):
        """SIGINT: DPDK apps print their final stats and close their ports."""
        if self.alive():
            self._signal(signal.SIGINT)

    def freeze(self):
        """SIGSTOP: no thread of it runs any more, whatever its peers do."""
        if self.alive():
            self._signal(signal.SIGSTOP)

    def kill(self):
        if self.alive():
            self._signal(signal.SIGKILL)

    def reap(self, deadline):
        """Wait until deadline (time.monotonic()) for the exit, then SIGKILL."""
        if self.popen.poll() is None:
            try:
                self.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(timeout=5)
        for f in (self.popen.stdin, self._log):
            if f and not f.closed:
                try:
                    f.close()
                except OSError:   # the child is gone: its end of the pipe too
                    pass
        return self.popen.poll()

    def stop(self, grace=5.0):
        self.interrupt()
        return self.reap(time.monotonic() + grace)


class Session:
    """Owns every process and file of one vm2vm-perf invocation.

    All names start with the tag ('pf' + our pid), so cleanup removes
    exactly what this invocation made and nothing of other users."""

    def __init__(self, keep_logs=False, popen=subprocess.Popen, huge_dir=HUGE_DIR,
                 runtime_dir=RUNTIME_DIR, workdir=None):
        self.tag = 'pf%d' % os.getpid()
        self.keep_logs = keep_logs
        self.popen = popen
        self.huge_dir = huge_dir
        self.runtime_dir = runtime_dir
        self.workdir = workdir or tempfile.mkdtemp(prefix='vm2vm-perf.')
        self.procs = []
        self.paths = []
        self.cleanups = []
        self.stdbuf = shutil.which('stdbuf')
        self._old_handlers = {}
        self._seq = 0

    def prefix(self, role):
        """A unique EAL --file-prefix for one process of one run."""
        self._seq += 1
        return '%s-%s%d' % (self.tag, role, self._seq)

    def path(self, name, in_huge=False):
        """A file path this session owns (removed by cleanup)."""
        p = os.path.join(self.huge_dir if in_huge else self.workdir, '%s-%s' % (self.tag, name))
        self.paths.append(p)
        return p

    def spawn(self, name, argv):
        self._seq += 1
        log = os.path.join(self.workdir, '%02d-%s.log' % (self._seq, name))
        # Line-buffered output, so the log is whole up to the moment the
        # process dies or is killed (stdio buffers 4 KB into a file).
        if self.stdbuf:
            argv = [self.stdbuf, '-oL', '-eL'] + list(argv)
        p = Proc(name, argv, log, popen=self.popen)
        self.procs.append(p)
        return p

    def on_cleanup(self, fn):
        """Extra clean-up step (e.g. stopping OVS daemons), run once, in reverse order."""
        self.cleanups.append(fn)

    def stop_all(self, grace=5.0):
        """Freeze every process of the run (SIGSTOP), then kill them all
        (SIGKILL), and wait up to grace seconds for them to go.

        Not SIGINT: whichever end closes its port first, its peer handles
        the disconnect in its interrupt thread while its lcore may still be
        in a burst, and DPDK 22.11's memif then unmaps the shared regions
        under that lcore and crashes (seen with either end first). Frozen,
        no process runs code again, and what a run leaves (hugepage files,
        runtime directories, sockets, the link file) is removed by name
        anyway. It is also immediate, where testpmd takes up to a second to
        act on SIGINT."""
        for p in self.procs:
            p.freeze()
        for p in self.procs:
            p.kill()
        deadline = time.monotonic() + grace
        for p in self.procs:
            p.reap(deadline)
        self.procs = []

    def remove_files(self):
        # Every run: a scenario names its paths once and reuses them, and a
        # killed process leaves its socket behind (librte_vhost then fails to
        # bind the next run's with "Address already in use").
        for p in self.paths:
            if os.path.isdir(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                try:
                    os.unlink(p)
                except OSError:
                    pass
        for pattern in (os.path.join(self.huge_dir, self.tag + '-*'),
                        os.path.join(self.runtime_dir, self.tag + '-*')):
            for p in glob.glob(pattern):
                if os.path.isdir(p):
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    try:
                        os.unlink(p)
                    except OSError:
                        pass

    def end_run(self):
        """Between runs: stop this run's processes and remove its files."""
        self.stop_all()
        while self.cleanups:
            fn = self.cleanups.pop()
            try:
                fn()
            except Exception:  # clean-up must go on whatever one step does
                pass
        self.remove_files()

    def cleanup(self):
        self.end_run()
        if not self.keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _on_signal(self, signum, frame):
        raise Interrupted('signal %d' % signum)

    def __enter__(self):
        for s in (signal.SIGINT, signal.SIGTERM):
            self._old_handlers[s] = signal.signal(s, self._on_signal)
        return self

    def __exit__(self, *exc):
        # Ignore further signals while cleaning up, so a second Ctrl-C cannot strand files.
        for s in self._old_handlers:
            signal.signal(s, signal.SIG_IGN)
        try:
            self.cleanup()
        finally:
            for s, h in self._old_handlers.items():
                signal.signal(s, h)
        return False


def wait_for(cond, timeout, interval=0.05, sleep=time.sleep, clock=time.monotonic):
    """Poll cond() until it returns a true value or timeout seconds pass."""
    end = clock() + timeout
    while True:
        v = cond()
        if v:
            return v
        if clock() >= end:
            return None
        sleep(interval)
