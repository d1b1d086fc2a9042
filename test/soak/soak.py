#!/usr/bin/env python3
"""soak.py - make soak: many runs of a mixed suite, each at a random -j and
interrupted at a random moment in a random way, each checked by this script
alone (it shares no code with testrig): the run ended within a bound, its
exit code is one SPEC allows for what happened, no process it started is
alive afterwards (found through /proc by an environment marker only its
processes carry), the JUnit file is absent or well-formed XML, and the
summary's counts add up.

    soak.py --rig ./testrig --fixture build/test/fixtures/fixture [--runs 1000] [--seed S]

Exits 0 when no run broke a rule, 1 otherwise; prints the counts either way.
A process that outlived a testrig killed by SIGKILL is a stray like any
other (issue 23: testrig's guardian kills what such a testrig started,
descendants that left their test's group included).  Strays are killed
here once counted.
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ACTIONS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGINT x2', 'SIGTSTP+SIGCONT', 'SIGUSR1',
           'SIGKILL', 'nothing']
BOUND = 30.0        # seconds a run may take, whatever happens to it

CONFIG = """\
[suite.mixed]
binaries = t/*

[script.setup]
command = ./setup.sh

[script.cleanup]
command = ./setup.sh
teardown = ./teardown.sh

[profile.default]
fail-fast = false
slow-timeout = 250ms
terminate-after = 2
grace-period = 200ms
leak-timeout = 100ms

[profile.default.override.flaky]
filter = binary(t/flaky)
retries = 2
"""

# mode file names in t/ and the knobs they need
TESTS = ['pass@1', 'pass@2', 'pass@3', 'fail', 'skip', 'hang', 'ignore-term', 'grandchild',
         'escape', 'flood', 'flaky', 'segv']


def make_suite(root, fixture):
    os.makedirs(os.path.join(root, 't'))
    for name in TESTS:
        os.symlink(fixture, os.path.join(root, 't', name))
    with open(os.path.join(root, 'testrig.ini'), 'w') as f:
        f.write(CONFIG)
    for script, body in (('setup.sh', 'echo "SOAK_SETUP=1" >>"$TESTRIG_ENV"\n'),
                         ('teardown.sh', 'exit 0\n')):
        p = os.path.join(root, script)
        with open(p, 'w') as f:
            f.write('#!/bin/sh\n' + body)
        os.chmod(p, 0o755)


def marked_pids(marker):
    """Processes whose environment holds the marker (only what the run started has it)."""
    found = []
    needle = ('SOAK_MARK=' + marker).encode()
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/environ' % d, 'rb') as f:
                env = f.read()
            with open('/proc/%s/stat' % d) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(')', 1)[-1].split()
        if needle in env.split(b'\0') and fields[0] != 'Z':
            # state ppid pgrp session: a unit testrig started leads its own group
            pid, pgrp, session = int(d), int(fields[2]), int(fields[3])
            found.append((pid, pid == pgrp and session != pid))
    return found


SUMMARY = re.compile(r'Summary \[ *[0-9.]+s\] (?:(\d+)/)?(\d+) tests? run: (.*)$', re.M)


def summary_ok(out):
    """The summary's counts add up (None when there is no summary: a killed run)."""
    m = SUMMARY.search(out)
    if not m:
        return None
    ran = int(m.group(1) if m.group(1) is not None else m.group(2))
    scheduled = int(m.group(2))
    counts = dict((k, int(v)) for v, k in re.findall(r'(\d+) (passed|failed|exec failed|'
                                                       r'timed out|skipped)', m.group(3)))
    total = sum(counts.get(k, 0) for k in ('passed', 'failed', 'exec failed', 'timed out',
                                          'skipped'))
    return ran <= scheduled and total == ran and scheduled == len(TESTS)


def allowed_codes(action, printed):
    """What SPEC allows: 100 (a test failed; cancelled), 105 (a setup script was
    running when the signal came), the signal itself if it came before testrig
    could handle it, 137 for SIGKILL.  Any signal whose default is to end the
    process ends a testrig that has not yet set up its signal handling (a
    sanitizer build takes milliseconds to get there): SIGUSR1 is allowed to
    do so only while testrig has printed nothing, as it has not started."""
    codes = {100}
    if action in ('SIGINT', 'SIGTERM', 'SIGHUP', 'SIGINT x2'):
        codes |= {105, -getattr(signal, action.split()[0])}
    if action == 'SIGKILL':
        codes |= {-signal.SIGKILL}
    if action == 'SIGUSR1' and not printed:
        codes |= {-signal.SIGUSR1}
    return codes


def one_run(args, root, i, rng, tally):
    marker = '%d-%d' % (os.getpid(), i)
    j = rng.randint(1, 8)
    action = rng.choice(ACTIONS)
    delay = rng.uniform(0.0, 2.0)
    junit = os.path.join(root, 'junit.xml')
    if os.path.exists(junit):
        os.unlink(junit)
    env = dict(os.environ, SOAK_MARK=marker, FX_FLOOD_MIB='50', FX_PASS_ON='2',
               FX_SLEEP_MS='300', TESTRIG_STATE_DIR=os.path.join(root, 'store'))
    start = time.monotonic()
    p = subprocess.Popen([args.rig, 'run', '-j', str(j), '--junit', junit, '--color', 'never'],
                         cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    out = []

    def read_out():
        out.append(p.stdout.read().decode('utf-8', 'replace'))
    import threading
    reader = threading.Thread(target=read_out)
    reader.start()
    time.sleep(delay)
    if p.poll() is None:
        if action == 'SIGINT x2':
            p.send_signal(signal.SIGINT)
            time.sleep(0.05)
            p.send_signal(signal.SIGINT)
        elif action == 'SIGTSTP+SIGCONT':
            p.send_signal(signal.SIGTSTP)
            time.sleep(0.3)
            p.send_signal(signal.SIGCONT)
        elif action != 'nothing':
            p.send_signal(getattr(signal, action))
    try:
        rc = p.wait(timeout=max(0.1, BOUND - (time.monotonic() - start)))
    except subprocess.TimeoutExpired:
        tally['hangs'].append((i, j, action, delay))
        p.kill()
        rc = p.wait()
    reader.join()
    took = time.monotonic() - start
    text = out[0] if out else ''
    if rc not in allowed_codes(action, text != ''):
        tally['bad exit codes'].append((i, j, action, delay, rc))
    # strays: give the kernel a moment to deliver the death signals
    strays = []
    for _ in range(30):
        strays = marked_pids(marker)
        if not strays:
            break
        time.sleep(0.1)
    if strays:
        for pid, _ in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        tally['strays'].append((i, j, action, delay, strays))
    if os.path.exists(junit):
        try:
            ET.parse(junit)
        except ET.ParseError as e:
            tally['broken reports'].append((i, j, action, delay, 'junit: %s' % e))
    ok = summary_ok(text)
    if ok is False or (ok is None and rc in (100, 105)):
        tally['broken reports'].append((i, j, action, delay, 'summary: %r' %
                                        (SUMMARY.search(text).group(0) if SUMMARY.search(text)
                                         else text[-300:])))
    tally['runs'] += 1
    tally['seconds'] += took
    tally['actions'][action] = tally['actions'].get(action, 0) + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rig', required=True)
    ap.add_argument('--fixture', required=True)
    ap.add_argument('--runs', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=None)
    args = ap.parse_args()
    args.rig = os.path.abspath(args.rig)
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    root = tempfile.mkdtemp(prefix='testrig-soak.')
    tally = {'runs': 0, 'seconds': 0.0, 'actions': {}, 'hangs': [], 'strays': [],
             'bad exit codes': [], 'broken reports': []}
    try:
        make_suite(root, os.path.abspath(args.fixture))
        for i in range(args.runs):
            one_run(args, root, i, rng, tally)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print('soak: %d runs (seed %d) in %.0fs; interruptions: %s' % (
        tally['runs'], seed, tally['seconds'],
        ', '.join('%s %d' % kv for kv in sorted(tally['actions'].items()))))
    failed = False
    for key in ('hangs', 'strays', 'bad exit codes', 'broken reports'):
        items = tally[key]
        print('  %-34s %d' % (key + ':', len(items)))
        for item in items[:5]:
            print('      run %s' % (item,))
        if items:
            failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
