#!/usr/bin/python3
"""A JACK client that only listens: every port registration, unregistration, connection and
disconnection on the server, one line each as it happens, stamped with CLOCK_MONOTONIC in ns:

    TIME_NS  reg|unreg  PORT
    TIME_NS  conn|disc  SOURCE  DESTINATION

Used by the hot-plug test to time clarad's reconnection from the moment a port appears to the
moment clarad's connection to it exists, without polling. libjack through ctypes: no Python JACK
module needed. Runs until SIGTERM (or the server goes away).

    jack_watch.py OUT CLIENT_NAME [WAIT_S]

With WAIT_S it tries to open its client every 10 ms for that long, so that its "ready" line marks
the moment the server answers (to within 10 ms); "active" follows once its callbacks run, then the
ports that exist then ("port NAME"): the JACK restart test times clarad's return from it."""
import ctypes
import signal
import sys
import threading
import time

out_path, name = sys.argv[1], sys.argv[2]
jack = ctypes.CDLL("libjack.so.0")
vp, u32 = ctypes.c_void_p, ctypes.c_uint32
jack.jack_client_open.restype = vp
jack.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
jack.jack_port_by_id.restype = vp
jack.jack_port_by_id.argtypes = [vp, u32]
jack.jack_port_name.restype = ctypes.c_char_p
jack.jack_port_name.argtypes = [vp]
for f in ("jack_activate", "jack_client_close"):
    getattr(jack, f).argtypes = [vp]
REG = ctypes.CFUNCTYPE(None, u32, ctypes.c_int, vp)
CONN = ctypes.CFUNCTYPE(None, u32, u32, ctypes.c_int, vp)
SHUT = ctypes.CFUNCTYPE(None, vp)
jack.jack_set_port_registration_callback.argtypes = [vp, REG, vp]
jack.jack_set_port_connect_callback.argtypes = [vp, CONN, vp]
jack.jack_on_shutdown.argtypes = [vp, SHUT, vp]

out = open(out_path, "w", buffering=1)
lock = threading.Lock()
names = {}  # port id -> name, so that an unregistration can be named
done = threading.Event()


def emit(*fields):
    with lock:
        out.write("\t".join([str(time.monotonic_ns())] + [str(f) for f in fields]) + "\n")


def port_name(pid):
    p = jack.jack_port_by_id(client, pid)
    n = jack.jack_port_name(p) if p else None
    return n.decode() if n else names.get(pid, "?%d" % pid)


@REG
def on_reg(pid, registered, _):
    n = port_name(pid)
    if registered:
        names[pid] = n
    emit("reg" if registered else "unreg", n)


@CONN
def on_conn(a, b, connected, _):
    emit("conn" if connected else "disc", port_name(a), port_name(b))


@SHUT
def on_shutdown(_):
    emit("shutdown")
    done.set()


status = ctypes.c_int(0)
QUIET = ctypes.CFUNCTYPE(None, ctypes.c_char_p)(lambda _: None)
jack.jack_set_error_function.argtypes = [ctypes.CFUNCTYPE(None, ctypes.c_char_p)]
wait_s = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
deadline = time.monotonic() + wait_s
if wait_s:
    jack.jack_set_error_function(QUIET)  # refused attempts while the server is away
while True:
    client = jack.jack_client_open(name.encode(), 1, ctypes.byref(status))  # JackNoStartServer
    if client or time.monotonic() >= deadline:
        break
    time.sleep(0.01)
if not client:
    sys.exit("jack_watch: no JACK server (status 0x%x)" % status.value)
# The server answered now. Written before activation: once active, the registration callback may
# report a port (clarad's, racing back) before this thread gets to write "ready", and the test may
# then stop this client as soon as that port shows, leaving a file with no "ready" in it.
emit("ready")
signal.signal(signal.SIGTERM, lambda *_: done.set())
signal.signal(signal.SIGINT, lambda *_: done.set())
jack.jack_set_port_registration_callback(client, on_reg, None)
jack.jack_set_port_connect_callback(client, on_conn, None)
jack.jack_on_shutdown(client, on_shutdown, None)
if jack.jack_activate(client) != 0:
    sys.exit("jack_watch: could not activate")
emit("active")  # from here on every registration and connection is reported
jack.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
jack.jack_get_ports.argtypes = [vp, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
jack.jack_free.argtypes = [vp]
ports = jack.jack_get_ports(client, None, None, 0)
if ports:
    i = 0
    while ports[i]:
        emit("port", ports[i].decode())
        i += 1
    jack.jack_free(ctypes.cast(ports, vp))
while not done.wait(0.2):
    pass
jack.jack_client_close(client)
