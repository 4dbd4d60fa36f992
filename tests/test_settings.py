"""Production settings: refuse to start without secrets, pass Django's deploy check."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV", "DEBUG",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120)


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = run_manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_in_production_without_allowed_hosts():
    result = run_manage("check", DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_it_passes_the_deploy_check_with_the_documented_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING",
                        DJANGO_ENV="production", SECRET_KEY=secrets.token_urlsafe(64),
                        ALLOWED_HOSTS="maturity.example.com", EMAIL_HOST="smtp.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_runs_a_fresh_checkout_without_any_variable():
    result = run_manage("check")
    assert result.returncode == 0, result.stderr


def _settings_in_a_fresh_process(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL"}}
    base.pop("DEBUG", None)
    base.update(env)
    code = ("import json; from django.conf import settings as s; "
            "print(json.dumps({'DEBUG': s.DEBUG, 'SITE_URL': s.SITE_URL}))")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                            env=base, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_runs_the_development_defaults_without_debug_unless_asked():
    assert _settings_in_a_fresh_process()["DEBUG"] is False
    assert _settings_in_a_fresh_process(DEBUG="1")["DEBUG"] is True


def test_it_builds_email_links_on_the_port_the_development_server_serves():
    assert _settings_in_a_fresh_process()["SITE_URL"] == "http://localhost:8000"
    assert _settings_in_a_fresh_process(PORT="8123")["SITE_URL"] == "http://localhost:8123"
    assert _settings_in_a_fresh_process(
        PORT="8123", SITE_URL="https://desk.example.com/")["SITE_URL"] == (
        "https://desk.example.com")


def test_the_image_trusts_forwarded_headers_only_from_the_configured_proxy():
    """Issue 12, item 9: gunicorn ran with --forwarded-allow-ips "*" (any client could
    claim https or another address). It now reads FORWARDED_ALLOW_IPS, documented."""
    import shlex

    import yaml
    from gunicorn.config import Config

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands = [service.get("command") or [] for service in compose["services"].values()]
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    commands.append(shlex.split(cmd.removeprefix("CMD ").strip("[]").replace(",", " ")))
    for command in commands:
        words = command if isinstance(command, list) else shlex.split(command)
        assert "*" not in words and "--forwarded-allow-ips" not in words, words
    env = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env["FORWARDED_ALLOW_IPS"] not in ("", "*")
    config = Config()
    config.set("forwarded_allow_ips", env["FORWARDED_ALLOW_IPS"])
    assert config.forwarded_allow_ips == ["172.16.0.0/12"]
    readme = (ROOT / "README.md").read_text()
    assert "| `FORWARDED_ALLOW_IPS` |" in readme and "| `PROXY_COUNT` |" in readme
