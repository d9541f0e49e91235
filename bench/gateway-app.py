# The Python variant of the gateway benchmark's app (bench/gateway.sh with APP=python): GET / answers "ok",
# GET /healthz answers 200, HTTP/1.1 keep-alive, one thread per connection, on $PORT.
import http.server
import os


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
