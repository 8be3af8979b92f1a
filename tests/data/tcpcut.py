#!/usr/bin/python3
# tcpcut.py LISTEN_PORT TARGET_PORT: a TCP relay on 127.0.0.1, so that a test can
# cut a link (stop it: every connection through it drops) and bring it back
# (start it again on the same port). Prints READY once listening.
import socket, sys, threading

def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(64)
print("READY", flush=True)
while True:
    c, _ = srv.accept()
    try:
        t = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=5)
    except OSError:
        c.close()
        continue
    for a, b in ((c, t), (t, c)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
