# Prototype duty-cycled freeze of a job in its own v1 freezer cgroup, sampled in user space.
# MODE=psi: io some stall over the last 250 ms (read every 50 ms) > PSI_PCT -> freeze until the
#   backlog (machine-wide nr_dirty + nr_writeback) < LOW, at most MAXF s.
# MODE=backlog: backlog > HIGH -> freeze; < LOW -> thaw (read every 10 ms).
# (A PSI trigger with a 500 ms window needs CAP_SYS_RESOURCE, which this root lacks: EINVAL.)
import os, sys, time, subprocess, collections
MODE = os.environ.get('MODE', 'psi'); PSI_PCT = float(os.environ.get('PSI_PCT', '30'))
HIGH = int(os.environ.get('HIGH', str(1 << 20)))
LOW = int(os.environ.get('LOW', str(256 << 10)))
MAXF = float(os.environ.get('MAXF', '2'))
args = sys.argv[sys.argv.index('--') + 1:]
cg = f"/sys/fs/cgroup/freezer/ioguard-duty-{os.getpid()}"
os.makedirs(cg, exist_ok=True)
def state(s):
    with open(cg + '/freezer.state', 'w') as f: f.write(s)
def backlog():
    v = dict(l.split() for l in open('/proc/vmstat'))
    return (int(v['nr_dirty']) + int(v['nr_writeback'])) * 4096
def some_us():
    return int(open('/proc/pressure/io').readline().split('total=')[1])
p = subprocess.Popen(['sh', '-c', 'echo $$ > "$0"/cgroup.procs; exec "$@"', cg] + args)
frozen = 0.0; n = 0; hist = collections.deque(maxlen=6)
try:
    while p.poll() is None:
        if MODE == 'backlog':
            if backlog() > HIGH:
                t = time.monotonic(); state('FROZEN'); n += 1
                while backlog() > LOW and time.monotonic() - t < MAXF and p.poll() is None: time.sleep(0.01)
                state('THAWED'); frozen += time.monotonic() - t
            time.sleep(0.01); continue
        hist.append((time.monotonic(), some_us()))
        if len(hist) == hist.maxlen and (hist[-1][1] - hist[0][1]) / ((hist[-1][0] - hist[0][0]) * 1e6) * 100 > PSI_PCT:
            t = time.monotonic(); state('FROZEN'); n += 1
            while backlog() > LOW and time.monotonic() - t < MAXF and p.poll() is None: time.sleep(0.01)
            state('THAWED'); frozen += time.monotonic() - t; hist.clear()
        time.sleep(0.05)
finally:
    state('THAWED'); p.wait()
    for pid in open(cg + '/cgroup.procs').read().split():
        open('/sys/fs/cgroup/freezer/cgroup.procs', 'w').write(pid)
    os.rmdir(cg)
    print(f'duty {MODE}: {n} freezes, {frozen:.1f} s frozen', file=sys.stderr)
sys.exit(p.returncode)
