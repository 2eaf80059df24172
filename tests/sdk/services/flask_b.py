"""Service b of the chain as a Flask (WSGI) app, served by werkzeug on an inherited socket.

``GET /orders/<order_id>`` requires the user's token and calls c as the service with the
synchronous S2S client. Run: ``python flask_b.py <fd>``.
"""

from __future__ import annotations

import hashlib
import sys

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

import sdk

sdk.configure()
log = sdk.get_logger("chain")
app = Flask(__name__)
sdk.instrument(app)


class CClient(sdk.SyncS2SClient):
    service = "c"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


@app.get("/health")
def health() -> object:
    return {"ok": True}


@app.get("/orders/<order_id>")
def order(order_id: str) -> object:
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer user-"):
        return jsonify(error="a user token is required"), 401
    if order_id == "crash":
        raise RuntimeError("flask b cannot take this order")
    log.info("order received", order_id=order_id)
    with CClient() as c:
        r = c.get(f"/work/{order_id}", as_service=True)
    body = {"user_token_digest": digest(auth.removeprefix("Bearer ")), "c_status": r.status_code}
    if r.status_code == 200:
        body["c"] = r.json()
    return jsonify(body), 200 if r.status_code == 200 else 500


if __name__ == "__main__":
    server = make_server("127.0.0.1", 0, app, threaded=True, fd=int(sys.argv[1]))
    server.serve_forever()
