"""`catalog keygen | validate | sign | publish`: the regional admin's tools.

A catalog is a JSON file (the bundle payload: region, version, issued_at, effective_from,
expires_at, services). `validate` lists every problem with its path and exits 1; `sign`
refuses an invalid catalog, so a typo cannot reach the region's stations; `publish` PUTs the
signed bundle to the platform with the admin token and reports the platform's answer. The
validator is `offline_queue.catalog_schema`'s, the one the hub runs on publish and the
station before staging, so all of them accept and refuse the same catalogs.
None of these needs the station's config file.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

import requests

from offline_queue.catalog_bundle import (
    BundleRejected,
    decode_payload,
    generate_signing_keypair,
    public_key_of,
    sign_bundle,
)
from offline_queue.catalog_schema import validate_catalog

TOKEN_ENV = "KIOSK_ADMIN_TOKEN"
HTTP_TIMEOUT = (5.0, 30.0)  # connect, read


class CliError(Exception):
    """One line for stderr; the command exits 1."""


def register(subparsers: argparse._SubParsersAction) -> None:
    catalog = subparsers.add_parser("catalog", help="admin: create keys, validate, sign and publish service catalogs")
    sub = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)

    keygen = sub.add_parser("keygen", help="new Ed25519 signing key pair (JSON with key_id, private_key, public_key)")
    keygen.add_argument("--key-id", default="admin", help="name stations know the key by (default: admin)")
    keygen.add_argument("--out", type=Path, help="write the key file here (mode 0600) instead of stdout")
    keygen.set_defaults(func=_keygen)

    validate = sub.add_parser("validate", help="check a catalog file; lists every error with its path")
    validate.add_argument("file", type=Path)
    validate.set_defaults(func=_validate)

    sign = sub.add_parser("sign", help="validate, then sign a catalog into a bundle")
    sign.add_argument("file", type=Path)
    sign.add_argument("--key", required=True, type=Path, help="key file from `catalog keygen` (or a file holding the base64 private key)")
    sign.add_argument("--key-id", help="key id to put in the bundle (default: the key file's key_id)")
    sign.add_argument("--out", required=True, type=Path, help="where to write the signed bundle")
    sign.set_defaults(func=_sign)

    publish = sub.add_parser("publish", help="PUT a signed bundle to the platform (admin token)")
    publish.add_argument("file", type=Path)
    publish.add_argument("--url", required=True, help="platform base URL, e.g. http://127.0.0.1:8700")
    publish.add_argument("--token", help=f"admin bearer token (default: ${TOKEN_ENV})")
    publish.set_defaults(func=_publish)


def _handles_cli_errors(func):
    @functools.wraps(func)
    def wrapper(args: argparse.Namespace, load_config) -> int:
        try:
            return func(args)
        except CliError as exc:
            print(f"catalog {args.catalog_command}: {exc}", file=sys.stderr)
            return 1

    return wrapper


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise CliError(f"{path}: not valid JSON: nested too deeply") from None


def _write_file(path: Path, text: str, *, private: bool = False) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise CliError(f"{path}: cannot write: {exc.strerror or exc}") from None


@_handles_cli_errors
def _keygen(args: argparse.Namespace) -> int:
    private, public = generate_signing_keypair()
    text = json.dumps({"key_id": args.key_id, "private_key": private, "public_key": public}, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        if args.out.exists():
            raise CliError(f"{args.out}: already exists; refusing to overwrite a key")
        _write_file(args.out, text, private=True)
        print(f"wrote {args.out}; public key for stations and the hub: {args.key_id}={public}")
    return 0


def _check(path: Path) -> dict[str, Any]:
    """The catalog in `path`, or CliError after printing every error with its path."""
    data = _read_json(path)
    errors = validate_catalog(data)
    if errors:
        for error in errors:
            print(f"{path}: {error}", file=sys.stderr)
        raise CliError(f"{path}: {len(errors)} error{'s' if len(errors) != 1 else ''}")
    return data


@_handles_cli_errors
def _validate(args: argparse.Namespace) -> int:
    data = _check(args.file)
    print(f"{args.file}: ok: region {data['region']}, version {data['version']}, {len(data['services'])} services")
    return 0


def _load_private_key(path: Path) -> tuple[str, str | None]:
    """(private key, key id or None) from a keygen JSON file or a bare base64 file."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read key: {getattr(exc, 'strerror', None) or exc}") from None
    key_id = None
    if text.startswith("{"):
        try:
            data = json.loads(text)
            text, key_id = data["private_key"], data.get("key_id")
        except (ValueError, KeyError, TypeError):
            raise CliError(f"{path}: not a key file from `catalog keygen`") from None
    try:
        public_key_of(text)
    except ValueError:
        raise CliError(f"{path}: not a base64 Ed25519 private key") from None
    return text, key_id


@_handles_cli_errors
def _sign(args: argparse.Namespace) -> int:
    data = _check(args.file)
    private, file_key_id = _load_private_key(args.key)
    key_id = args.key_id or file_key_id
    if not key_id:
        raise CliError("--key-id is required (the key file names none)")
    bundle = sign_bundle(data, private, key_id)
    _write_file(args.out, json.dumps(bundle, indent=2) + "\n")
    print(f"signed region {data['region']} version {data['version']} with {key_id} -> {args.out}")
    return 0


@_handles_cli_errors
def _publish(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get(TOKEN_ENV)
    if not token:
        raise CliError(f"an admin token is required (--token or ${TOKEN_ENV})")
    if not (token.isascii() and token.isprintable()) or " " in token:
        raise CliError("the admin token must be printable ASCII without spaces (it travels in an HTTP header)")
    bundle = _read_json(args.file)
    try:
        payload = decode_payload(bundle)
    except BundleRejected as exc:
        raise CliError(f"{args.file}: not a signed bundle ({exc})") from None
    region = payload.get("region")
    if not isinstance(region, str) or not region:
        raise CliError(f"{args.file}: the bundle's payload names no region")
    url = f"{args.url.rstrip('/')}/v1/catalog/{region}"
    try:
        response = requests.put(url, json=bundle, headers={"Authorization": f"Bearer {token}"}, timeout=HTTP_TIMEOUT)
    except requests.RequestException as exc:
        raise CliError(f"cannot reach {args.url}: {type(exc).__name__}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code == 201:
        print(f"published region {region} version {answer.get('version')} (etag {answer.get('etag')})")
        return 0
    if response.status_code == 409:
        raise CliError(f"refused: version not higher than the current {answer.get('current_version')}")
    if response.status_code in (401, 403):
        raise CliError(f"refused: admin token not accepted (HTTP {response.status_code})")
    reason = answer.get("error") if isinstance(answer, dict) else None
    detail = answer.get("message") if isinstance(answer, dict) else None
    raise CliError(f"refused: HTTP {response.status_code} {reason or ''} {detail or ''}".rstrip())
