"""The Parcours tables: one module, as in SQLModel's docs.

Timestamps of customer events are *naive* on purpose: they are local business time
(the importer converts offsets to the business time zone), so they are annotated
``NaiveDatetime``. Import times are real instants and stay aware (UTC).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from pydantic import NaiveDatetime
from sqlalchemy import BigInteger, Numeric, Sequence, UniqueConstraint
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = "0008"


class Meta(SQLModel, table=True):
    """Settings chosen when the database was created (stage model, time zone, schema version, and since
    schema 0004 ``customer_ids``: ``raw`` or ``pseudonyms``, with ``pseudonym_key_check``)."""

    __tablename__ = "parcours_meta"
    key: str = Field(primary_key=True)
    value: str


class Stage(SQLModel, table=True):
    """The stage model: ordered journey stages, one of them the conversion stage."""

    __tablename__ = "stages"
    code: str = Field(primary_key=True)
    position: int = Field(unique=True)  # 1..n, the stage order
    label_fr: str
    label_en: str
    is_conversion: bool = False


class TouchpointType(SQLModel, table=True):
    """Editable mapping from a touchpoint type (slug) to its stage, for exports without a stage column."""

    __tablename__ = "touchpoint_types"
    code: str = Field(primary_key=True)
    stage: str  # stages.code


class Channel(SQLModel, table=True):
    """Channels are open-ended: an import creates them. ``code`` is the slug, ``label`` the first spelling seen."""

    __tablename__ = "channels"
    code: str = Field(primary_key=True)
    label: str
    kind: str = "digital"  # digital | physical
    # Schema 0005: not a journey channel (a carrier, a survey e-mail). Its touchpoints count for stages, funnel
    # and revenue, but not for the channel mix, ROPO / showrooming and the transitions.
    operational: bool = False


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batches"
    id: int | None = Field(
        default=None,
        primary_key=True,
        sa_column_args=[Sequence("import_batches_id_seq")],  # DuckDB has no SERIAL
    )
    imported_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    source: str = "import"  # import | sample | app
    customers_created: int = 0
    on_error: str = Field(default="refuse", sa_column_kwargs={"server_default": "refuse"})  # refuse | quarantine


class ImportFile(SQLModel, table=True):
    """One file of an import batch, with its fingerprint and what it changed."""

    __tablename__ = "import_files"
    id: int | None = Field(
        default=None, primary_key=True, sa_column_args=[Sequence("import_files_id_seq")]
    )
    batch_id: int = Field(index=True)
    kind: str  # customers | touchpoints | feedback
    file_name: str
    sha256: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # rows set aside (quarantine)


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    customer_id: str = Field(primary_key=True)  # always text: leading zeros are kept
    # A small integer key assigned by the importer (schema 0003): journey windows and joins over
    # millions of touchpoints run about twice as fast on it as on the text id.
    customer_no: int | None = Field(default=None, sa_type=BigInteger)
    persona: str | None = None
    segment: str | None = None
    region: str | None = None
    signup_date: date | None = None
    churned: bool | None = None  # None = unknown
    churn_date: date | None = None
    batch_id: int | None = None  # last batch that wrote this row


class Touchpoint(SQLModel, table=True):
    """One interaction. ``id`` is assigned in input order (batch, then row): the journey order's last tie-breaker."""

    __tablename__ = "touchpoints"
    __table_args__ = (UniqueConstraint("natural_key"),)
    # Assigned by the importer (not autoincrement): input order must survive bulk writes.
    id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    natural_key: str  # touchpoint_id, else customer|timestamp|channel|stage|type
    customer_id: str = Field(index=True)
    customer_no: int | None = Field(default=None, sa_type=BigInteger)  # customers.customer_no
    timestamp: NaiveDatetime
    channel: str  # channels.code
    stage: str  # stages.code
    touchpoint: str | None = None  # type as given (e.g. "clic")
    revenue: Decimal | None = Field(default=None, sa_type=Numeric(18, 4))  # exact sums on every engine
    touchpoint_id: str | None = None
    batch_id: int
    line: int  # line in the source file
    # Schema 0007: the system the touchpoint came from (a CRM, the web analytics, the stores' tills), as the
    # import named it (a ``source`` column, ``--source``, or the source profile); None = not said.
    source: str | None = None


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("natural_key"),)
    id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    natural_key: str  # feedback_id, else customer|timestamp|stage
    customer_id: str = Field(index=True)
    customer_no: int | None = Field(default=None, sa_type=BigInteger)  # customers.customer_no
    timestamp: NaiveDatetime
    stage: str
    channel: str | None = None  # None = channel unknown
    nps: int | None = None  # 0-10
    csat: int | None = None  # 1-5
    comment: str | None = None
    feedback_id: str | None = None
    batch_id: int
    line: int


class IdentityLink(SQLModel, table=True):
    """Two identifiers of one person, as a links file gave them (schema 0008): a web cookie and an e-mail, a CRM id
    and a loyalty card. E-mail addresses and phone numbers are stored as keyed hashes (``loaders.identities``)."""

    __tablename__ = "identity_links"
    id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    batch_id: int = Field(index=True)
    id_a: str
    id_b: str
    kind: str | None = None  # what links them: email, phone, login…
    source: str | None = None  # the system that says so
    line: int | None = None


class Identity(SQLModel, table=True):
    """Each linked identifier and the customer it is (the component's key), derived from every link: rebuilt
    after each import of links and after an undo (schema 0008)."""

    __tablename__ = "identities"
    identifier: str = Field(primary_key=True)
    customer_id: str = Field(index=True)  # the stitched customer: its key, the first imported id
    component_size: int
    held: bool = False  # in a component too large to be one person: its links are not applied


class ForgottenCustomer(SQLModel, table=True):
    """A customer deleted on request (schema 0004): a keyed hash of the id, never the id, so that later
    imports skip that customer's rows (``loaders.privacy``)."""

    __tablename__ = "forgotten_customers"
    id_hash: str = Field(primary_key=True)


class ForgetLog(SQLModel, table=True):
    """That customers were forgotten, when, and how many rows went: never whom (schema 0004)."""

    __tablename__ = "forget_log"
    id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    forgotten_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    source: str = "cli"  # cli | app
    customers: int = 0
    touchpoints: int = 0
    feedback: int = 0
    history_rows: int = 0  # previous values kept for undo


class Secret(SQLModel, table=True):
    """Values that must not leave the database (schema 0004; not exported, unlike ``parcours_meta``):
    ``forget_salt``, the key of the forget hashes when customer ids are not pseudonymised."""

    __tablename__ = "parcours_secrets"
    key: str = Field(primary_key=True)
    value: str


def _keys_on_postgresql_only(table: sa.Table) -> None:
    """Touchpoints and feedback keep their primary key, unique natural key and customer index on
    PostgreSQL, where B-tree indexes serve the merge; DuckDB gets none of them (schema 0003). Its ART
    indexes made a 10M-row import 4x slower and took 6 GB, and nothing reads through them: DuckDB joins
    by hashing. Uniqueness of ids and natural keys is the importer's job there (set-based merge)."""
    for item in (table.primary_key, *table.constraints, *table.indexes):
        item.ddl_if(dialect="postgresql")


for _events in (Touchpoint, Feedback):
    _keys_on_postgresql_only(_events.__table__)


def _history_of(table: sa.Table) -> sa.Table:
    """Previous values of rows that an import updated, kept so that the import can be undone."""
    columns = [sa.Column("undo_batch_id", sa.Integer, nullable=False, index=True)]
    columns += [sa.Column(c.name, c.type, nullable=True) for c in table.columns]
    return sa.Table(f"{table.name}_history", SQLModel.metadata, *columns)


# Same columns as their table, plus the batch whose undo restores them (schema 0002).
HISTORY = {t.__tablename__: _history_of(t.__table__) for t in (Customer, Touchpoint, Feedback)}
