#!/usr/bin/env python3
"""A stand-in forecast service for examples/plugins.yaml: POST /forecast {"city": ..., "days": N} with
'Authorization: Bearer TOKEN' answers {"city": ..., "today": {"temperature": ...}}.

    python3 examples/forecast-service.py [PORT] [TOKEN]     (defaults: 8080, the token "demo-token")
"""
import hashlib
import http.server
import json
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
TOKEN = sys.argv[2] if len(sys.argv) > 2 else "demo-token"


class Forecast(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/forecast":
            return self.answer(404, {"error": "only POST /forecast"})
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.answer(401, {"error": "send Authorization: Bearer <token>"})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            city = str(body["city"])
        except (ValueError, KeyError):
            return self.answer(400, {"error": "expected a JSON body with a city"})
        # The same city always gets the same temperature, between 5.0 and 24.9.
        temperature = 5 + int(hashlib.sha256(city.encode()).hexdigest(), 16) % 200 / 10
        self.answer(200, {"city": city, "today": {"temperature": temperature}})

    def answer(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


http.server.HTTPServer(("127.0.0.1", PORT), Forecast).serve_forever()
