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
    """The demo account kept in the state directory (`demo.saved`): every run, dashboard or
    command, continues the last one. A large account (`--demo-sessions N`) is made for the run
    only, its history and audit trail in a scratch state directory, so trying 10,000 sessions
    never floods the kept account's history."""
    from session_tui.demo import saved
    from session_tui.demo.server import DemoService
    from session_tui.demo.users import WatchedUsers
    from session_tui.providers.rest import RestProvider
    from session_tui.providers.rest_admin import RestAdminProvider

    cleanups: list[Callable[[], None]] = []
    size = request.choices.demo_sessions
    if request.choices.demo_reset:
        saved.reset()
    if size is not None and not os.environ.get(paths.STATE_DIR_ENV):
        scratch = tempfile.mkdtemp(prefix="session-tui-demo-")
        os.environ[paths.STATE_DIR_ENV] = scratch

        def forget_scratch() -> None:
            os.environ.pop(paths.STATE_DIR_ENV, None)
            shutil.rmtree(scratch, ignore_errors=True)

        cleanups.append(forget_scratch)
    kept = saved.SavedAccount() if size is None else None
    users = WatchedUsers.demo(request.choices.watch) if request.choices.admin else None
    service = DemoService(sessions=size, saved=kept, users=users)
    service.start()
    cleanups.append(service.stop)
    profile = saved.DEMO_PROFILE if size is None else f"{saved.DEMO_PROFILE}-{size}"
    if users is not None:  # on call: the demo's users, through the contract's on-call part
        watched = [RestAdminProvider(service.url, users.token, user) for user in users.accounts]
        return OpenAccounts(list(watched), profile=f"{profile}-on-call", cleanups=cleanups)
    provider = RestProvider(service.url, service.token)
    return OpenAccounts([provider], profile=profile, cleanups=cleanups)


def open_rest(request: OpenRequest) -> OpenAccounts:
    from session_tui.providers.rest import RestProvider

    choices = request.choices
    if not choices.url:
        raise ConfigError("--provider rest needs --url URL.")
    token = request.env.get(TOKEN_ENV)
    if not token:
        raise ConfigError(f"--provider rest needs an access token in {TOKEN_ENV}.")
    insecure = choices.allow_insecure_http
    if choices.admin:  # on call: the contract's on-call part, an operator's token
        from session_tui.providers.rest_admin import RestAdminProvider

        if not choices.watch:
            raise ConfigError("--admin needs at least one --watch USER (or `watch` in a profile).")
        watched = [
            RestAdminProvider(choices.url, token, user, allow_insecure_http=insecure)
            for user in choices.watch
        ]
        return OpenAccounts(list(watched), profile="rest-on-call")
    provider = RestProvider(choices.url, token, allow_insecure_http=insecure)
    return OpenAccounts([provider], profile="rest")


DEMO = ProviderPlugin(
    name="demo",
    summary="the embedded demo service: realistic, changing sessions, no server needed "
    "(--admin: on call, watching a few demo users)",
    open=open_demo,
    admin=True,
)
REST = ProviderPlugin(
    name="rest",
    summary=f"any server speaking session-tui's REST contract (token in {TOKEN_ENV})",
    open=open_rest,
    options=("url",),
    admin=True,
)
