"""A small HTTP app for the app-runtime tests: listens on $PORT (127.0.0.1).

GET /healthz   200 "ok"
GET /stream    chunked: "first\n", then waits until the file ./release exists, then "second\n"
GET /hang      sends nothing for 60 s
GET /close     JSON as below, with `Connection: close`, yet the connection stays open (a gateway must not reuse it)
GET /drop      JSON as below, then the connection is closed without saying so (an idle keep-alive connection gone)
GET /anything  JSON: replica, path, connection (the serial number of the TCP connection it came on), version
               ($VERSION), the X-Forwarded-* and Authorization headers it received
POST /echo     echoes the request body
Every plain reply also names its connection's serial number in `X-Connection`.
"""
import http.server
import itertools
import json
import os
import time


connections = itertools.count(1)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection_number = next(connections)

    def log_message(self, fmt, *args):
        print("replica %s: %s" % (os.environ.get("SLUICE_REPLICA"), fmt % args), flush=True)

    def reply(self, status, body, content_type="application/json", close=False):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Connection", str(self.connection_number))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_GET(self):
        if self.path == "/healthz":
            return self.reply(200, "ok", "text/plain")
        if self.path == "/hang":
            time.sleep(60)
            return self.reply(200, "late", "text/plain")
        if self.path == "/stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.chunk("first\n")
            deadline = time.time() + 30
            while not os.path.exists("release") and time.time() < deadline:
                time.sleep(0.02)
            self.chunk("second\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        seen = {k: self.headers.get(k) for k in ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
                                                  "X-Forwarded-Prefix", "Authorization"]}
        body = json.dumps({"replica": os.environ.get("SLUICE_REPLICA"), "path": self.path, "headers": seen,
                           "connection": self.connection_number, "version": os.environ.get("VERSION")})
        if self.path == "/close":
            self.reply(200, body, close=True)
            self.close_connection = False
        elif self.path == "/drop":
            self.reply(200, body)
            self.close_connection = True
        else:
            self.reply(200, body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding") == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(length)
        self.reply(200, body, "application/octet-stream")


print("replica %s listening on %s" % (os.environ.get("SLUICE_REPLICA"), os.environ["PORT"]), flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
