"""One citizen's session at the station, and how it is forgotten.

Everything personal the station learns during a visit (the identity read from the card,
the form, the document images) lives in ONE `CitizenSession` object so that ending a visit
is one call: `wipe()`. Python cannot scrub immutable `str`/`bytes`, so the session keeps
what it can in mutable buffers (document images as `bytearray`) and overwrites those in
place before it drops every reference; nothing else holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.card.base import Identity
from kiosk.domain.catalog import Service
from kiosk.domain.i18n_text import Lang


@dataclass(eq=False)
class CapturedImage:
    """One captured document page. `jpeg` is a bytearray so `wipe()` can zero it."""

    document_id: str
    page: int  # 1-based
    kind: str  # a4 | id1 | passport | booklet
    jpeg: bytearray = field(repr=False)
    width: int
    height: int

    @property
    def role(self) -> str:
        """The attachment role on the wire: `<document id>-<page>`."""
        return f"{self.document_id}-{self.page}"

    def __repr__(self) -> str:
        return f"CapturedImage({self.role}, {len(self.jpeg)} bytes)"


@dataclass(eq=False)
class CitizenSession:
    """What the station knows about the person in front of it. `repr` shows no data."""

    default_lang: Lang = Lang.ZH_HANS  # the attract screen's language; wipe() returns to it
    lang: Lang = Lang.ZH_HANS
    identity: Identity | None = None
    identity_confirmed: bool = False
    service: Service | None = None
    catalog_version: int = 0  # the catalog the service was chosen from
    form: dict[str, str] = field(default_factory=dict)
    form_done: bool = False
    pages: dict[str, CapturedImage] = field(default_factory=dict)  # by role
    consent: bool = False
    face_consent: bool = False  # consent to the face check (separate: face data is sensitive)
    face: dict[str, object] | None = None  # FaceOutcome.as_dict() of a matched check, for the submission
    elderly: bool = False  # 长辈模式: bigger targets, plainer words, longer idle time, voice on
    #: Voice guidance: each step's instruction and each error spoken aloud. Off by default;
    #: elderly mode turns it on, the voice toggle on every screen flips it.
    voice: bool = False
    high_contrast: bool = False  # the high-contrast theme, for this session

    def __post_init__(self) -> None:
        self.lang = self.default_lang

    def __repr__(self) -> str:
        return (
            f"CitizenSession(lang={self.lang.value}, identity={'yes' if self.identity else 'no'}, "
            f"service={self.service.code if self.service else None}, fields={len(self.form)}, "
            f"pages={len(self.pages)}, consent={self.consent}, voice={self.voice})"
        )

    @property
    def started(self) -> bool:
        """Whether anything personal has been collected yet."""
        return bool(self.identity or self.form or self.pages)

    def choose_service(self, service: Service, catalog_version: int) -> None:
        """A new choice throws away what belonged to the previous one."""
        if self.service is not None and (self.service.code, self.catalog_version) == (service.code, catalog_version):
            return
        self._drop_pages()
        self.form.clear()
        self.form_done = False
        self.consent = self.face_consent = False
        self.face = None
        self.service = service
        self.catalog_version = catalog_version

    def add_page(self, page: CapturedImage) -> None:
        """Keep a captured page; a retake overwrites and replaces the earlier image."""
        old = self.pages.pop(page.role, None)
        if old is not None:
            _zero(old.jpeg)
        self.pages[page.role] = page

    def wipe(self, *, keep_lang: bool = False) -> None:
        """Forget the citizen: zero image buffers, drop identity, form and choices."""
        self._drop_pages()
        for key in list(self.form):
            self.form[key] = ""
        self.form.clear()
        self.identity = None
        self.identity_confirmed = False
        self.service = None
        self.catalog_version = 0
        self.form_done = False
        self.consent = self.face_consent = False
        self.face = None
        if not keep_lang:  # the done screen still speaks to the same person, so it keeps both
            self.lang = self.default_lang
            self.elderly = self.voice = self.high_contrast = False

    def _drop_pages(self) -> None:
        for page in self.pages.values():
            _zero(page.jpeg)
        self.pages.clear()


def _zero(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))
