-- Stepflow schema, version 8: IAM users and roles, their inline policies and access keys.
-- Principals' tags live in the tag table under the principal's ARN. An access key's secret
-- is kept sealed (AES-GCM under the operator's server key); the store never sees it in clear.

CREATE TABLE iam_principal (
    arn          TEXT PRIMARY KEY,
    kind         TEXT NOT NULL, -- user or role
    name         TEXT NOT NULL,
    id           TEXT NOT NULL UNIQUE,
    created_date TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, name)
);

CREATE TABLE iam_principal_policy (
    principal_arn TEXT NOT NULL,
    name          TEXT NOT NULL,
    document      TEXT NOT NULL,
    PRIMARY KEY (principal_arn, name)
);

CREATE TABLE iam_access_key (
    id            TEXT PRIMARY KEY,
    principal_arn TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_date  TIMESTAMPTZ NOT NULL
);
CREATE INDEX iam_access_key_by_principal ON iam_access_key (principal_arn, created_date);
