"""A real OpenID Connect provider for the sign-in tests: npm's oidc-provider, run by node.

`tests/oidc/provider.mjs` is started on a free loopback port with one test client; the test
controls its accounts (and, to test refusals, changes to the ID token it signs) through a JSON
file. Without node or `npm ci` the tests are skipped, loudly; with HMS_REQUIRE_OIDC_PROVIDER=1
(CI) that is an error instead.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.waits import WAIT

BASE_DIR = Path(__file__).resolve().parent.parent
SCRIPT = BASE_DIR / "tests" / "oidc" / "provider.mjs"
START_TIMEOUT = 180
CLIENT_ID = "hms-test"
CLIENT_SECRET = "hms-test-secret-that-is-long-enough-for-hs256"  # noqa: S105
PASSWORD = "any-password"  # noqa: S105  the development login takes any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _require_node() -> str:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "no node found (apt-get install nodejs npm)"
    elif not (BASE_DIR / "node_modules" / "oidc-provider").is_dir():
        missing = "oidc-provider is not installed (make install runs npm ci)"
    if missing:
        message = f"OPENID PROVIDER TESTS SKIPPED: {missing}"
        if os.environ.get("HMS_REQUIRE_OIDC_PROVIDER"):
            pytest.fail(message.replace("SKIPPED", "REQUIRED"))
        pytest.skip(message)
    return node


class OidcProvider:
    def __init__(self, folder: Path, app_url: str):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET
        self.app_url = app_url.rstrip("/")
        self.state_file = folder / "oidc-state.json"
        self.state = {"accounts": {}}
        self._write()
        self.log = folder / "oidc-provider.log"

    def _write(self) -> None:
        self.state_file.write_text(json.dumps(self.state))

    def add_account(self, sub: str, **claims) -> None:
        """An account at the provider; its login is the sub. Feide's claim for the Feide id
        is spelt out with feide_id=..."""
        if "feide_id" in claims:
            claims["https://n.feide.no/claims/eduPersonPrincipalName"] = claims.pop("feide_id")
        self.state["accounts"][sub] = claims
        self._write()

    def change_id_token(self, **changes) -> None:
        """Have the token endpoint re-sign its ID tokens with these changes (aud, exp_offset)."""
        self.state["id_token"] = changes
        self._write()

    def start(self, node: str) -> None:
        client = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": [f"{self.app_url}/accounts/oidc/callback/"],
            "post_logout_redirect_uris": [f"{self.app_url}/accounts/login/"],
        }
        env = {
            **os.environ,
            "HMS_OIDC_PORT": str(self.port),
            "HMS_OIDC_STATE": str(self.state_file),
            "HMS_OIDC_CLIENTS": json.dumps([client]),
        }
        self._log = self.log.open("w")
        self.process = subprocess.Popen(
            [node, str(SCRIPT)],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while "READY" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the OpenID provider did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()

    def log_in(self, authorize_url: str, sub: str, browser: requests.Session | None = None) -> str:
        """Go through the provider's own login and consent pages as the person `sub`, the
        way a browser does; return the URL the provider sends them back to (the callback)."""
        browser = browser or requests.Session()
        url, form = authorize_url, None
        for _ in range(20):
            if form is None:
                response = browser.get(url, allow_redirects=False, timeout=WAIT)
            else:
                response = browser.post(url, data=form, allow_redirects=False, timeout=WAIT)
            if response.is_redirect:
                url, form = urljoin(url, response.headers["Location"]), None
                if url.startswith(self.app_url):
                    return url
                continue
            assert response.status_code == 200, response.text
            url, form = self._form(url, response.text, sub)
        raise AssertionError("the provider never sent the browser back")

    @staticmethod
    def _form(url: str, page: str, sub: str) -> tuple[str, dict]:
        action = re.search(r'<form[^>]*action="([^"]+)"', page)
        assert action, page
        fields = dict(re.findall(r'<input[^>]*type="hidden" name="([^"]+)" value="([^"]*)"', page))
        if 'name="login"' in page:
            fields.update(login=sub, password=PASSWORD)
        if 'name="logout"' in page:  # the end-session page: "Yes, sign me out"
            fields["logout"] = "yes"
        return urljoin(url, unescape(action.group(1))), fields


@pytest.fixture
def oidc_provider_factory(tmp_path, settings):
    """Start a provider for an app at `app_url` and point the settings at it."""
    from units.oidc import forget_provider_configuration

    node = _require_node()
    started = []

    def start(app_url: str = "http://testserver") -> OidcProvider:
        provider = OidcProvider(tmp_path, app_url)
        provider.start(node)
        started.append(provider)
        settings.OIDC_ISSUER = provider.issuer
        settings.OIDC_RP_CLIENT_ID = provider.client_id
        settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
        settings.AUTHENTICATION_BACKENDS = [
            *settings.AUTHENTICATION_BACKENDS,
            "units.oidc.ProviderBackend",
        ]
        forget_provider_configuration()
        return provider

    yield start
    for provider in started:
        forget_provider_configuration()
        provider.stop()


@pytest.fixture
def oidc_provider(oidc_provider_factory) -> OidcProvider:
    """A provider for the Django test client (http://testserver)."""
    return oidc_provider_factory()
