"""A small but real OpenID Connect provider for tests only: discovery, JWKS, authorize and
token endpoints over HTTP on 127.0.0.1 (a free port), in a thread, signing ID tokens with
a fresh RSA key. `authorize` signs in whoever `claims` describes at once (no login page)
and sends the browser back with a code; `token` checks the client's secret, the code's
redirect URI and the PKCE verifier before answering. `tamper` bends the next ID tokens
for the refusal tests."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


class Provider:
    def __init__(
        self,
        client_id: str = "trellis-test",
        client_secret: str = "s3cret-value",  # noqa: S107
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig"})
        self.kid = "key-1"  # the key id named in the ID tokens' header
        self.claims: dict[str, Any] = {}  # who signs in next
        self.tamper: dict[str, Any] = {}  # claims replaced in the next ID tokens
        self.sign_with: RSAKey | None = None  # another key, for a forged signature
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}/tenant"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/keys",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "subject-" + secrets.token_hex(4),
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.claims,
            **self.tamper,
        }
        key = self.sign_with or self.key
        return jwt.encode({"alg": "RS256", "kid": self.kid}, claims, key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                path = url.path.removeprefix("/tenant")
                if path == "/.well-known/openid-configuration":
                    return self._json(200, provider.discovery())
                if path == "/keys":
                    return self._json(200, KeySet([provider.key]).as_dict(private=False))
                if path == "/authorize":
                    q = dict(urllib.parse.parse_qsl(url.query))
                    if (
                        q.get("client_id") != provider.client_id
                        or q.get("code_challenge_method") != "S256"
                    ):
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = q
                    back = (
                        q["redirect_uri"]
                        + "?"
                        + urllib.parse.urlencode({"code": code, "state": q["state"]})
                    )
                    self.send_response(302)
                    self.send_header("Location", back)
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                provider.token_requests += 1
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                pair = f"{provider.client_id}:{provider.client_secret}".encode()
                if self.headers.get("Authorization") != "Basic " + base64.b64encode(pair).decode():
                    return self._json(401, {"error": "invalid_client"})
                asked = provider.codes.pop(form.get("code", ""), None)  # a code works once
                if asked is None or asked["redirect_uri"] != form.get("redirect_uri"):
                    return self._json(400, {"error": "invalid_grant"})
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if (
                    base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                    != asked["code_challenge"]
                ):
                    return self._json(400, {"error": "invalid_grant"})
                return self._json(
                    200,
                    {
                        "access_token": "unused",
                        "token_type": "Bearer",
                        "id_token": provider.id_token(asked["nonce"]),
                    },
                )

        return Handler
