"""L1's mixed scenario: 60% dashboard and report reads, 25% action lists and details, 10%
quarterly-update writes, 5% exports, with 1–5 s of thinking between steps.

Each simulated user signs in once, as a different seeded lead (round robin over the
partnerships), and writes only its own actions' open updates. Every write carries a unique
token in its narrative; the token and the answer's status go to RELIABILITY_TOKENS, one
line each, so D1 can reconcile what the client was told with what the database holds.

RELIABILITY_USERS names the JSON written by seed.py.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from typing import Any

from locust import HttpUser, between, task

_USERS = json.loads(open(os.environ["RELIABILITY_USERS"]).read())  # noqa: SIM115
_LEADS = [lead for lead in _USERS["leads"] if lead["writes"]]
_NEXT = itertools.count()
_TOKENS = open(os.environ["RELIABILITY_TOKENS"], "a", buffering=1)  # noqa: SIM115
_HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|version)" value="([^"]*)"')


def _pick() -> dict[str, Any]:
    """Leads interleaved across partnerships, so 50 users spread over all five."""
    by_slug: dict[str, list[dict[str, Any]]] = {}
    for lead in _LEADS:
        by_slug.setdefault(lead["slug"], []).append(lead)
    interleaved = [x for group in itertools.zip_longest(*by_slug.values()) for x in group if x]
    return interleaved[next(_NEXT) % len(interleaved)]


class Member(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.me = _pick()
        self.p = f"/p/{self.me['slug']}/"
        self.signed_in = False
        self._sign_in()

    def _sign_in(self) -> None:
        """Once per user; again only if it failed (say, while the database restarted)."""
        form = self.client.get("/sign-in/", name="sign-in")
        fields = dict(_HIDDEN.findall(form.text))
        answer = self.client.post(
            "/sign-in/",
            {
                "email": self.me["email"],
                "password": _USERS["password"],
                "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", ""),
            },
            name="sign-in",
            allow_redirects=False,
        )
        self.signed_in = answer.status_code == 302
        _TOKENS.write(f"signin {self.me['email']} {answer.status_code}\n")

    def get(self, url: str, name: str) -> Any:
        """A page read; landing on the sign-in page counts as a failure, not a success."""
        if not self.signed_in:
            self._sign_in()
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.ok and "/sign-in/" in response.url:
                response.failure("sent to sign in")
                self.signed_in = False
            return response

    # 60%: dashboards and reports

    @task(25)
    def overview(self) -> None:
        self.get(f"{self.p}plans/{self.me['plan']}/overview/", name="read: overview")

    @task(15)
    def partnership_home(self) -> None:
        self.get(self.p, name="read: partnership home")

    @task(10)
    def plan_detail(self) -> None:
        self.get(f"{self.p}plans/{self.me['plan']}/", name="read: plan")

    @task(10)
    def reports(self) -> None:
        self.get(f"{self.p}plans/{self.me['plan']}/reports/", name="read: reports")

    # 25%: actions

    @task(10)
    def my_actions(self) -> None:
        self.get(f"{self.p}my-actions/", name="actions: mine")

    @task(15)
    def action_detail(self) -> None:
        action = random.choice(self.me["writes"])[0]  # noqa: S311 (not security)
        self.get(f"{self.p}actions/{action}/", name="actions: detail")

    # 10%: a quarterly update written

    @task(10)
    def write_update(self) -> None:
        action, period, _update = random.choice(self.me["writes"])  # noqa: S311
        url = f"{self.p}actions/{action}/periods/{period}/update/"
        form = self.get(url, name="write: form")
        fields = dict(_HIDDEN.findall(form.text))
        token = f"tok-{uuid.uuid4().hex}"
        data = {
            "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", ""),
            "version": fields.get("version", ""),
            "rag": random.choice(["green", "amber", "red"]),  # noqa: S311
            "narrative": f"Audit of 20 care plans this quarter: 15 on time. [{token}]",
            "intent": "save",
        }
        with self.client.post(
            url, data, name="write: save", allow_redirects=False, catch_response=True
        ) as response:
            # Saved means sent on to the update's page; anything else was not saved.
            saved = response.status_code == 302 and "/updates/" in response.headers.get(
                "Location", ""
            )
            _TOKENS.write(f"{token} {'saved' if saved else response.status_code}\n")
            if not saved:
                response.failure(f"save answered {response.status_code}")

    # 5%: exports

    @task(3)
    def overview_csv(self) -> None:
        self.get(f"{self.p}plans/{self.me['plan']}/overview/csv/", name="export: csv")

    @task(2)
    def plan_export(self) -> None:
        self.get(f"{self.p}plans/{self.me['plan']}/export/xlsx/", name="export: plan xlsx")
