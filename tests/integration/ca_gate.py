#!/usr/bin/env python3
"""ca_gate.py PORT TARGET_PORT STATE_FILE LOG: a TCP gate in front of the CA's interface
endpoint, for tests of the RA while the CA is down or slow. While STATE_FILE says "down"
it accepts connections and holds them without a byte (a CA that never answers: the RA's
TLS handshake waits); while it says "up" it forwards each new connection to TARGET_PORT.
LOG gets one line per connection: "held N" or "forwarded N"."""
import socket
import sys
import threading

port, target, state, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()
count = 0


def note(what):
    with lock:
        with open(log, "a") as f:
            f.write(what + "\n")


def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn, n):
    with open(state) as f:
        up = f.read().strip() == "up"
    if not up:
        note("held %d" % n)
        held.append(conn)  # never answered; closed when the gate stops
        return
    try:
        upstream = socket.create_connection(("127.0.0.1", target))
    except OSError:
        conn.close()
        return
    note("forwarded %d" % n)
    threading.Thread(target=pump, args=(conn, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()


held = []
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(64)
note("listening")
while True:
    c, _ = srv.accept()
    count += 1
    serve(c, count)
