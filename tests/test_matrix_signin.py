"""Signing in to a real Synapse: token, stored credential, password; logout; sign in again."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Sequence

import pytest
from synapse_server import MatrixUser, SynapseServer

from session_tui import credentials, paths
from session_tui.cli import build_parser, main
from session_tui.connect import OpenAccounts, logout_main, open_accounts
from session_tui.errors import (
    AuthExpired,
    ConfigError,
    InsecureURLError,
    NotAdmin,
    WrongPassword,
)
from session_tui.providers.matrix import MatrixProvider
from session_tui.providers.synapse_admin import SynapseAdminProvider

OUR_DEVICE = f"session-tui on {socket.gethostname()}"


def no_prompt(text: str) -> str:
    raise AssertionError(f"unexpected password prompt: {text}")


def open_with(
    argv: Sequence[str], env: dict[str, str] | None = None, prompt=no_prompt
) -> OpenAccounts:
    return open_accounts(build_parser().parse_args(list(argv)), env or {}, prompt=prompt)


def matrix_args(synapse: SynapseServer, user: MatrixUser) -> list[str]:
    return ["--provider", "matrix", "--homeserver", synapse.base_url, "--user", user.user_id]


async def close(opened: OpenAccounts) -> None:
    for provider in opened.providers:
        await provider.aclose()
    opened.close()


def our_devices(synapse: SynapseServer, user: MatrixUser) -> list[str]:
    devices = synapse.devices(user, user.registration_token)
    return [d for d, info in devices.items() if info["display_name"] == OUR_DEVICE]


async def test_password_login_creates_our_device_and_a_private_credential(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    opened = open_with(
        matrix_args(synapse, matrix_user), {"SESSION_TUI_PASSWORD": matrix_user.password}
    )
    try:
        [device] = our_devices(synapse, matrix_user)
        [provider] = opened.providers
        assert isinstance(provider, MatrixProvider)
        sessions = await provider.list_sessions()
        assert [s.id for s in sessions if s.is_current] == [device]
        assert opened.profile == matrix_user.user_id
        assert opened.reconnect is not None
    finally:
        await close(opened)
    path = paths.credentials_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert matrix_user.password not in path.read_text()
    stored = credentials.load(credentials.credential_key(synapse.base_url, matrix_user.user_id))
    assert stored is not None and stored.device_id == device
    assert synapse.token_works(stored.access_token)

    # Next start: the stored token is used, no password, no new device.
    again = open_with(matrix_args(synapse, matrix_user))
    try:
        assert len(our_devices(synapse, matrix_user)) == 1
    finally:
        await close(again)


async def test_the_password_from_the_environment_is_not_left_for_child_processes(
    synapse: SynapseServer, matrix_user: MatrixUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSION_TUI_PASSWORD", matrix_user.password)
    opened = open_accounts(
        build_parser().parse_args(matrix_args(synapse, matrix_user)), os.environ, prompt=no_prompt
    )
    try:
        assert len(our_devices(synapse, matrix_user)) == 1  # the password did sign us in
        assert "SESSION_TUI_PASSWORD" not in os.environ
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(sorted(os.environ))"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "SESSION_TUI_PASSWORD" not in child.stdout
    finally:
        await close(opened)


async def test_the_prompt_is_asked_and_a_wrong_password_retried(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    answers = iter(["wrong", matrix_user.password])
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return next(answers)

    opened = open_with(matrix_args(synapse, matrix_user), prompt=prompt)
    await close(opened)
    assert len(asked) == 2 and matrix_user.user_id in asked[0]
    assert len(our_devices(synapse, matrix_user)) == 1


def test_a_wrong_password_from_the_environment_fails_clearly(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    with pytest.raises(WrongPassword):
        open_with(matrix_args(synapse, matrix_user), {"SESSION_TUI_PASSWORD": "wrong"})
    assert not paths.credentials_file().exists()


async def test_the_token_from_the_environment_comes_first(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    device, token = synapse.login(matrix_user, device_name="scripted")
    opened = open_with(
        ["--provider", "matrix", "--homeserver", synapse.base_url],
        {"SESSION_TUI_TOKEN": token, "SESSION_TUI_PASSWORD": matrix_user.password},
    )
    try:
        [provider] = opened.providers
        assert [s.id for s in await provider.list_sessions() if s.is_current] == [device]
        assert our_devices(synapse, matrix_user) == []
        assert not paths.credentials_file().exists()
    finally:
        await close(opened)


def test_a_token_of_someone_else_is_refused(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    other = synapse.new_user(prefix="mallory")
    with pytest.raises(ConfigError) as caught:
        open_with(
            matrix_args(synapse, matrix_user), {"SESSION_TUI_TOKEN": other.registration_token}
        )
    assert other.registration_token not in str(caught.value)


async def test_a_dead_stored_credential_falls_back_to_the_password(
    synapse: SynapseServer, matrix_user: MatrixUser, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"SESSION_TUI_PASSWORD": matrix_user.password}
    await close(open_with(matrix_args(synapse, matrix_user), env))
    key = credentials.credential_key(synapse.base_url, matrix_user.user_id)
    first = credentials.load(key)
    assert first is not None
    with synapse.client(first.access_token) as c:
        c.post("/_matrix/client/v3/logout", json={}).raise_for_status()
    await close(open_with(matrix_args(synapse, matrix_user), env))
    second = credentials.load(key)
    assert second is not None and second.device_id != first.device_id
    assert synapse.token_works(second.access_token)
    assert "no longer works" in capsys.readouterr().err


def test_logout_signs_the_device_out_and_forgets_it(
    synapse: SynapseServer, matrix_user: MatrixUser, capsys: pytest.CaptureFixture[str]
) -> None:
    opened = open_with(
        matrix_args(synapse, matrix_user), {"SESSION_TUI_PASSWORD": matrix_user.password}
    )
    opened.close()
    key = credentials.credential_key(synapse.base_url, matrix_user.user_id)
    stored = credentials.load(key)
    assert stored is not None
    argv = ["logout", "--homeserver", synapse.base_url, "--user", matrix_user.user_id]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Signed out" in out and str(stored.device_id) in out
    assert credentials.load(key) is None
    assert not synapse.token_works(stored.access_token)
    assert our_devices(synapse, matrix_user) == []
    assert logout_main(argv[1:]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_logout_by_profile(synapse: SynapseServer, matrix_user: MatrixUser) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[profiles.me]\nprovider = "matrix"\nhomeserver = "{synapse.base_url}"\n'
        f'user = "{matrix_user.user_id}"\n'
    )
    open_with(["--profile", "me"], {"SESSION_TUI_PASSWORD": matrix_user.password}).close()
    assert len(our_devices(synapse, matrix_user)) == 1
    assert logout_main(["--profile", "me"]) == 0
    assert our_devices(synapse, matrix_user) == []
    with pytest.raises(ConfigError) as caught:
        logout_main(["--profile", "nope"])
    assert "me" in str(caught.value)


async def test_a_profile_opens_the_account(synapse: SynapseServer, matrix_user: MatrixUser) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[profiles.home]\nprovider = "matrix"\nhomeserver = "{synapse.base_url}"\n'
        f'user = "{matrix_user.user_id}"\ninterval = 7\n'
    )
    opened = open_with(["--profile", "home"], {"SESSION_TUI_PASSWORD": matrix_user.password})
    try:
        assert opened.profile == "home"
        assert opened.interval == 7
        assert opened.providers[0].account == matrix_user.user_id
    finally:
        await close(opened)


def test_insecure_homeservers_are_refused_before_any_request() -> None:
    with pytest.raises(InsecureURLError):
        open_with(
            ["--provider", "matrix", "--homeserver", "http://matrix.example.org", "--user", "@a:b"],
            {"SESSION_TUI_PASSWORD": "x"},
        )


async def test_reconnect_after_our_session_was_revoked(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    opened = open_with(
        matrix_args(synapse, matrix_user), {"SESSION_TUI_PASSWORD": matrix_user.password}
    )
    [provider] = opened.providers
    assert opened.reconnect is not None
    try:
        await provider.list_sessions()
        key = credentials.credential_key(synapse.base_url, matrix_user.user_id)
        old = credentials.load(key)
        assert old is not None
        with synapse.client(old.access_token) as c:
            c.post("/_matrix/client/v3/logout", json={}).raise_for_status()
        with pytest.raises(AuthExpired):
            await provider.list_sessions()
        with pytest.raises(WrongPassword):
            await opened.reconnect(provider, "wrong")
        fresh = await opened.reconnect(provider, matrix_user.password)
        try:
            sessions = await fresh.list_sessions()
            new = credentials.load(key)
            assert new is not None and new.access_token != old.access_token
            assert [s.id for s in sessions if s.is_current] == [new.device_id]
        finally:
            await fresh.aclose()
    finally:
        await close(opened)


async def test_signing_in_again_writes_the_credential_off_the_event_loop(
    synapse: SynapseServer, matrix_user: MatrixUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dialog's sign-in runs on the UI loop: the file write must not block it."""
    opened = open_with(
        matrix_args(synapse, matrix_user), {"SESSION_TUI_PASSWORD": matrix_user.password}
    )
    [provider] = opened.providers
    assert opened.reconnect is not None
    real_save = credentials.save
    saved_on: list[int] = []

    def save(*args: object, **kwargs: object) -> None:
        saved_on.append(threading.get_ident())
        real_save(*args, **kwargs)

    monkeypatch.setattr(credentials, "save", save)
    try:
        fresh = await opened.reconnect(provider, matrix_user.password)
        await fresh.aclose()
    finally:
        await close(opened)
    assert saved_on and threading.get_ident() not in saved_on
    key = credentials.credential_key(synapse.base_url, matrix_user.user_id)
    stored = credentials.load(key)
    assert stored is not None and stored.access_token


async def test_admin_mode_opens_one_provider_per_watched_account(
    synapse: SynapseServer, matrix_admin: MatrixUser
) -> None:
    bob = synapse.new_user(prefix="bob")
    carol = synapse.new_user(prefix="carol")
    argv = [*matrix_args(synapse, matrix_admin), "--admin", "--watch", bob.user_id]
    opened = open_with(
        [*argv, "--watch", carol.user_id], {"SESSION_TUI_PASSWORD": matrix_admin.password}
    )
    try:
        assert [p.account for p in opened.providers] == [bob.user_id, carol.user_id]
        assert all(isinstance(p, SynapseAdminProvider) for p in opened.providers)
        assert [len(await p.list_sessions()) for p in opened.providers] == [1, 1]
        assert opened.reconnect is not None
        # Sign in again once (after the operator's token died): every watched account recovers.
        stored = credentials.load(
            credentials.credential_key(synapse.base_url, matrix_admin.user_id)
        )
        assert stored is not None
        with synapse.client(stored.access_token) as c:
            c.post("/_matrix/client/v3/logout", json={}).raise_for_status()
        with pytest.raises(AuthExpired):
            await opened.providers[1].list_sessions()
        fresh = await opened.reconnect(opened.providers[0], matrix_admin.password)
        try:
            assert fresh.account == bob.user_id
            assert len(await fresh.list_sessions()) == 1
            assert len(await opened.providers[1].list_sessions()) == 1
            # The other account's dialog, answered too, must not leave a second device behind.
            second = await opened.reconnect(opened.providers[1], "not even checked")
            await second.aclose()
            assert len(our_devices(synapse, matrix_admin)) == 1
        finally:
            await fresh.aclose()
    finally:
        await close(opened)


def test_admin_mode_with_a_non_admin_says_so(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    argv = [*matrix_args(synapse, matrix_user), "--admin", "--watch", "@bob:localhost"]
    with pytest.raises(NotAdmin) as caught:
        open_with(argv, {"SESSION_TUI_PASSWORD": matrix_user.password})
    assert "not a server admin" in str(caught.value)


def test_admin_mode_needs_someone_to_watch(synapse: SynapseServer, matrix_user: MatrixUser) -> None:
    with pytest.raises(ConfigError) as caught:
        open_with([*matrix_args(synapse, matrix_user), "--admin"], {"SESSION_TUI_PASSWORD": "x"})
    assert "--watch" in str(caught.value)


def test_the_cli_reports_errors_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logout", "--profile", "nope"]) == 1  # usage: no such profile
    err = capsys.readouterr().err
    assert err.startswith("session-tui: No profile 'nope'")


def test_without_a_terminal_or_credentials_it_says_what_to_set(
    synapse: SynapseServer, matrix_user: MatrixUser
) -> None:
    args = build_parser().parse_args(matrix_args(synapse, matrix_user))
    with pytest.raises(ConfigError) as caught:
        open_accounts(args, {})  # pytest's stdin is not a terminal: no prompt possible
    assert "SESSION_TUI_TOKEN" in str(caught.value) and "SESSION_TUI_PASSWORD" in str(caught.value)
