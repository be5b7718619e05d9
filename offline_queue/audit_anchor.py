"""The audit trail's anchor outside the station (SERVICE_API 1.1).

Every heartbeat carries the trail's newest (seq, hash); the platform keeps each head it
receives. Someone with root on the station can rewrite the whole trail consistently (hashes,
chain, counter, head file), but cannot change what the platform already holds: `audit verify
--platform` asks for those heads and checks that the local chain still contains each one.
What it cannot catch: records newer than the last heartbeat the platform received.
"""

from __future__ import annotations

from pydantic import ValidationError

from offline_queue.audit import AuditError
from offline_queue.client import ServiceClient, TransientError
from offline_queue.wire import AuditHeads


def platform_heads(client: ServiceClient) -> list[tuple[int, str]]:
    """(seq, hash) of every head the platform kept for this kiosk; `AuditError` when it cannot say."""
    try:
        reply = client.audit_heads()
        if reply.status != 200:
            raise AuditError(f"the platform answered HTTP {reply.status} for the audit heads")
        heads = AuditHeads.model_validate(reply.json_object())
    except TransientError as exc:
        raise AuditError(f"the platform cannot be reached ({exc.code}): nothing to compare with") from None
    except ValidationError:
        raise AuditError("the platform's list of audit heads is malformed") from None
    finally:
        client.close()
    return [(head.seq, head.hash) for head in heads.heads if head.seq >= 1]
