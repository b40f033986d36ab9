-- CKS Lab progress store, schema version 1.
CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY,
    lab_id       TEXT    NOT NULL,
    lab_hash     TEXT    NOT NULL,
    seed         INTEGER NOT NULL,
    params       TEXT    NOT NULL,              -- JSON object
    source       TEXT    NOT NULL CHECK (source IN ('cluster', 'snapshot', 'exam')),
    started_at   TEXT    NOT NULL,              -- RFC 3339, UTC
    finished_at  TEXT,
    status       TEXT    NOT NULL CHECK (status IN ('started', 'incomplete', 'graded', 'passed', 'abandoned'))
);
CREATE INDEX attempts_by_lab ON attempts (lab_id, started_at);

CREATE TABLE grades (
    id               INTEGER PRIMARY KEY,
    attempt_id       INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    graded_at        TEXT    NOT NULL,
    points_awarded   INTEGER NOT NULL,          -- after the hint penalty
    points_possible  INTEGER NOT NULL,
    hint_penalty     INTEGER NOT NULL DEFAULT 0,
    passed           INTEGER NOT NULL CHECK (passed IN (0, 1)),
    check_count      INTEGER NOT NULL
);
CREATE INDEX grades_by_attempt ON grades (attempt_id);

CREATE TABLE check_results (
    grade_id         INTEGER NOT NULL REFERENCES grades (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    check_id         TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
    points_awarded   INTEGER NOT NULL,
    points_possible  INTEGER NOT NULL,
    message          TEXT    NOT NULL,
    details          TEXT    NOT NULL,          -- JSON: findings and doc link
    PRIMARY KEY (grade_id, position)
);

CREATE TABLE hints_used (
    attempt_id   INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    hint_index   INTEGER NOT NULL,
    cost         INTEGER NOT NULL,
    revealed_at  TEXT    NOT NULL,
    PRIMARY KEY (attempt_id, hint_index)
);

CREATE TABLE lesson_progress (
    lesson_id   TEXT PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('started', 'read')),
    updated_at  TEXT NOT NULL
);

CREATE TABLE quiz_answers (
    id           INTEGER PRIMARY KEY,
    lesson_id    TEXT    NOT NULL,
    question     INTEGER NOT NULL,
    answer       TEXT    NOT NULL,
    correct      INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at  TEXT    NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
