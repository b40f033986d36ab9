-- CKS Lab progress store, schema version 2: mock exams.
CREATE TABLE exams (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    seed          INTEGER NOT NULL,
    started_at    TEXT    NOT NULL,              -- RFC 3339, UTC
    deadline      TEXT    NOT NULL,              -- RFC 3339, UTC
    submitted_at  TEXT,
    status        TEXT    NOT NULL CHECK (status IN ('running', 'submitted')),
    report        TEXT                           -- JSON, once submitted
);

CREATE TABLE exam_tasks (
    exam_id     INTEGER NOT NULL REFERENCES exams (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,                -- 1-based
    lab_id      TEXT    NOT NULL,
    attempt_id  INTEGER NOT NULL REFERENCES attempts (id),
    flagged     INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    notes       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (exam_id, position)
);
