"""The embedded demo service and our own REST contract: both spoken by `RestProvider`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable

from session_tui import paths
from session_tui.errors import ConfigError
from session_tui.options import TOKEN_ENV
from session_tui.plugin import OpenAccounts, OpenRequest, ProviderPlugin


def open_demo(request: OpenRequest) -> OpenAccounts:
    from session_tui.demo.server import DemoService
    from session_tui.providers.rest import RestProvider

    cleanups: list[Callable[[], None]] = []
    if not os.environ.get(paths.STATE_DIR_ENV):
        # The demo invents a new account every run: its history and audit trail live for the
        # run only, so they neither pile up in the user's state dir nor mix with real accounts.
        scratch = tempfile.mkdtemp(prefix="session-tui-demo-")
        os.environ[paths.STATE_DIR_ENV] = scratch

        def forget_scratch() -> None:
            os.environ.pop(paths.STATE_DIR_ENV, None)
            shutil.rmtree(scratch, ignore_errors=True)

        cleanups.append(forget_scratch)
    service = DemoService(sessions=request.choices.demo_sessions)
    service.start()
    cleanups.append(service.stop)
    provider = RestProvider(service.url, service.token)
    return OpenAccounts([provider], profile="demo", cleanups=cleanups)


def open_rest(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.rest import RestProvider

    choices = request.choices
    if not choices.url:
        raise ConfigError("--provider rest needs --url URL.")
    token = request.env.get(TOKEN_ENV)
    if not token:
        raise ConfigError(f"--provider rest needs an access token in {TOKEN_ENV}.")
    provider = RestProvider(choices.url, token, allow_insecure_http=choices.allow_insecure_http)
    return OpenAccounts([provider], profile="rest")


DEMO = ProviderPlugin(
    name="demo",
    summary="the embedded demo service: realistic, changing sessions, no server needed",
    open=open_demo,
)
REST = ProviderPlugin(
    name="rest",
    summary=f"any server speaking session-tui's REST contract (token in {TOKEN_ENV})",
    open=open_rest,
    options=("url",),
)
