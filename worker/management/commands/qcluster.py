"""django-q2's `qcluster`, made to stop cleanly when SIGTERM reaches all its processes at
once, as systemd (KillMode=control-group) and `kill -TERM -<pgid>` send it.

django-q2 stops in order when only the main process gets SIGTERM: it tells the sentinel,
which stops the pusher, lets each worker finish its task and waits for them. When every
process gets the signal, the sentinel dies on it while waiting on an event the main
process then sets, and `set()` waits forever for the dead sleeper: the cluster hangs. So
SIGTERM is blocked while the cluster starts: the children inherit the blocked signal
(the sentinel's `SIG_DFL` does not unblock it), and only this process acts on it. Tasks
keep their own timeout (SIGALRM in the worker). SIGINT (Ctrl-C) already reaches only this
process's handler: django-q2's children ignore it.
"""

import signal

from django_q.management.commands.qcluster import Command as QCluster


class Command(QCluster):
    def handle(self, *args, **options):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            super().handle(*args, **options)
        finally:  # a SIGTERM that came meanwhile is delivered now, and stops the cluster
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
