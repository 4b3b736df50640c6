"""SQLModel tables, the stage model, and the engine/session from a URL."""

from data_model.engine import (
    Database,
    DatabaseUnavailable,
    connect,
    database_url,
    ensure_initialised,
    initialise,
    is_initialised,
    meta,
    metas,
    stage_model,
)
from data_model.models import (
    Channel,
    Customer,
    Feedback,
    ForgetLog,
    ForgottenCustomer,
    ImportBatch,
    ImportFile,
    Meta,
    Secret,
    Stage,
    Touchpoint,
    TouchpointType,
)

__all__ = [
    "Channel", "Customer", "Database", "DatabaseUnavailable", "Feedback", "ForgetLog", "ForgottenCustomer",
    "ImportBatch", "ImportFile", "Meta", "Secret", "Stage", "Touchpoint", "TouchpointType", "connect",
    "database_url", "ensure_initialised", "initialise", "is_initialised", "meta", "metas", "stage_model",
]
