"""ICAO 9303 part 11, appendix D (worked example), reproduced byte for byte.

The specimen document: number L898902C, born 1969-08-06, expires 1994-06-23. The published
values were cross-checked against several open-source eMRTD readers' tests (JMRTD-style
Java, Go, Rust, Dart) that quote the same appendix.
"""

from __future__ import annotations

import pytest

from devices.card.apdu import ApduChannel, CommandApdu, ResponseApdu
from devices.card.base import MrzKey
from devices.card.emrtd import EF_COM, parse_ef_com, read_file
from devices.card.icao_bac import (
    BacChallenge,
    SecureMessaging,
    SessionKeys,
    bac_keys,
    key_seed,
    perform_bac,
    retail_mac,
    session_keys,
)
from devices.card.mrz import bac_key_input
from devices.errors import AuthenticationFailed, ProtocolError

H = bytes.fromhex

MRZ_INFORMATION = b"L898902C<369080619406236"
KSEED = H("239AB9CB282DAF66231DC5A4DF6BFBAE")
KENC = H("AB94FDECF2674FDFB9B391F85D7F76F2")
KMAC = H("7962D9ECE03D1ACD4C76089DCE131543")
RND_IC = H("4608F91988702212")
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
E_IFD = H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
M_IFD = H("5F1448EEA8AD90A7")
CHIP_ANSWER = H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")
K_IC = H("0B4F80323EB3191CB04970CB4052790B")
KS_ENC = H("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = H("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = H("887022120C06C226")
EF_COM_BYTES = H("60145F0104303130365F36063034303030305C026175")

# (protected command, chip response) for SELECT EF.COM, READ BINARY 4, READ BINARY 18 @4
SM_EXCHANGE = [
    (H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"), H("990290008E08FA855A5D4C50A8ED9000")),
    (H("0CB000000D9701048E08ED6705417E96BA5500"), H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")),
    (
        H("0CB000040D9701128E082EA28A70F3C7B53500"),
        H("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"),
    ),
]


class ScriptedChip:
    """Replays the published chip answers and checks every command byte for byte.

    A fake on purpose: the appendix's chip is a paper example, no real part can run it;
    the same code is exercised against a live virtual chip through pcscd in tests/integration.
    """

    def __init__(self, script: list[tuple[bytes, bytes]]) -> None:
        self.script = list(script)
        self.sent: list[bytes] = []

    def __call__(self, command: bytes) -> bytes:
        self.sent.append(command)
        expected, answer = self.script.pop(0)
        assert command.hex().upper() == expected.hex().upper()
        return answer


def _pinned_rng():
    values = [RND_IFD, K_IFD]
    return lambda n: values.pop(0)


def test_mrz_information_and_key_derivation():
    info = bac_key_input(MrzKey("L898902C", "690806", "940623"))
    assert info == MRZ_INFORMATION
    assert key_seed(info) == KSEED
    assert bac_keys(info) == (KENC, KMAC)


def test_mutual_authentication_command_and_session_keys():
    challenge = BacChallenge(KENC, KMAC, RND_IC, RND_IFD, K_IFD)
    assert challenge.command_data() == E_IFD + M_IFD
    assert retail_mac(KMAC, E_IFD) == M_IFD
    keys = challenge.complete(CHIP_ANSWER)
    assert keys == SessionKeys(KS_ENC, KS_MAC, SSC)
    assert session_keys(K_IFD, K_IC, RND_IC, RND_IFD) == keys


def test_whole_exchange_through_the_channel_byte_for_byte():
    """GET CHALLENGE, EXTERNAL AUTHENTICATE, then the three protected APDUs of D.4."""
    chip = ScriptedChip(
        [
            (H("0084000008"), RND_IC + H("9000")),
            (H("0082000028") + E_IFD + M_IFD + H("28"), CHIP_ANSWER + H("9000")),
            *SM_EXCHANGE,
        ]
    )
    secure = perform_bac(ApduChannel(chip), MRZ_INFORMATION, rng=_pinned_rng())
    assert (secure.sm.ks_enc, secure.sm.ks_mac, secure.sm.ssc) == (KS_ENC, KS_MAC, SSC)
    assert read_file(secure, EF_COM, "EF.COM") == EF_COM_BYTES
    assert secure.sm.ssc == H("887022120C06C22C")
    assert not chip.script
    assert parse_ef_com(EF_COM_BYTES) == [0x61, 0x75]  # DG1, DG2


def test_each_protected_apdu_and_ssc_step():
    sm = SecureMessaging(SessionKeys(KS_ENC, KS_MAC, SSC))
    plain = [
        CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E")),
        CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4),
        CommandApdu(0x00, 0xB0, 0x00, 0x04, le=0x12),
    ]
    results = [b"", H("60145F01"), H("04303130365F36063034303030305C026175")]
    ssc_after = ["887022120C06C228", "887022120C06C22A", "887022120C06C22C"]
    for cmd, (wire, answer), data, ssc in zip(plain, SM_EXCHANGE, results, ssc_after, strict=True):
        assert sm.protect(cmd).to_bytes() == wire
        resp = sm.unprotect(ResponseApdu.from_bytes(answer))
        assert (resp.data, resp.sw) == (data, 0x9000)
        assert sm.ssc == H(ssc)


def test_tampered_response_mac_is_refused():
    """Bad input: the published READ BINARY answer with one ciphertext bit flipped."""
    sm = SecureMessaging(SessionKeys(KS_ENC, KS_MAC, H("887022120C06C228")))
    sm.protect(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
    answer = bytearray(SM_EXCHANGE[1][1])
    answer[4] ^= 0x01
    with pytest.raises(ProtocolError, match="MAC"):
        sm.unprotect(ResponseApdu.from_bytes(bytes(answer)))


def test_unprotected_success_is_refused():
    """Bad input: a bare 9000 where a MAC-protected answer is due."""
    sm = SecureMessaging(SessionKeys(KS_ENC, KS_MAC, SSC))
    sm.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E")))
    with pytest.raises(ProtocolError):
        sm.unprotect(ResponseApdu(b"", 0x90, 0x00))


def test_wrong_mrz_chip_answer_is_authentication_failed():
    """Bad input: the terminal derived keys from another MRZ, so the chip's MAC fails."""
    other_enc, other_mac = bac_keys(bac_key_input(MrzKey("L898902C", "690807", "940623")))
    with pytest.raises(AuthenticationFailed):
        BacChallenge(other_enc, other_mac, RND_IC, RND_IFD, K_IFD).complete(CHIP_ANSWER)


def test_chip_refusing_external_authenticate_is_authentication_failed():
    """Bad input: the chip answers 6300 to EXTERNAL AUTHENTICATE (wrong MRZ on its side)."""
    chip = ScriptedChip(
        [(H("0084000008"), RND_IC + H("9000")), (H("0082000028") + E_IFD + M_IFD + H("28"), H("6300"))]
    )
    with pytest.raises(AuthenticationFailed):
        perform_bac(ApduChannel(chip), MRZ_INFORMATION, rng=_pinned_rng())
