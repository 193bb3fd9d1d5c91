#!/usr/bin/env python3
"""free-port.py - prints a loopback port nobody uses now, below the kernel's ephemeral
range, so that no client connection or port-0 server takes it while a server is (re)started
on it. One helper for the tests, the browser test and scripts/pg.sh."""
import random
import socket

low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    port = random.randrange(max(1024, low - 12000), low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
