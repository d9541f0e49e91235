/// The tables, as numbered migrations. Timestamps are integer milliseconds since 1970;
/// JSON documents are TEXT; states are the words of DESIGN.md.
enum Schema {
    /// API tokens. Only the SHA-256 of a secret is kept (`hash`); a name is unique among live
    /// tokens, so a revoked token's name can be given to its replacement.
    /// The flow registry: each registered version of a flow, its text as submitted and as compiled.
    /// Runs can be deleted (`deleteRun`, `prune`): a run's events may be deleted once its run row is gone, and
    /// stay append-only while it exists.
    /// Deployed apps (`sluice apps deploy`): the desired state `sluice serve` brings back when it starts.
    static let apps = Migration(version: 7, name: "apps", sql: """
        CREATE TABLE apps (
            name     TEXT PRIMARY KEY NOT NULL CHECK (length(name) > 0),
            spec     TEXT NOT NULL,
            replicas INTEGER NOT NULL CHECK (replicas >= 0),
            running  INTEGER NOT NULL CHECK (running IN (0, 1)),
            created  INTEGER NOT NULL,
            updated  INTEGER NOT NULL
        );
        """)

    static let runDeletion = Migration(version: 6, name: "run-deletion", sql: """
        DROP TRIGGER events_never_delete;
        CREATE TRIGGER events_never_delete BEFORE DELETE ON events
            WHEN EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        """)

    /// The backend each run was started on (`local`, `container`): a run must be resumed where its attempts run.
    static let runBackend = Migration(version: 5, name: "run-backend", sql: """
        ALTER TABLE runs ADD COLUMN backend TEXT NOT NULL DEFAULT 'local'
        """)

    static let flows = Migration(version: 4, name: "flows", sql: """
        CREATE TABLE flows (
            name     TEXT NOT NULL CHECK (length(name) > 0),
            version  TEXT NOT NULL CHECK (length(version) > 0),
            text     TEXT NOT NULL,
            compiled TEXT NOT NULL,
            created  INTEGER NOT NULL,
            PRIMARY KEY (name, version)
        );
        CREATE INDEX flows_by_created ON flows(name, created);
        """)

    static let tokens = Migration(version: 3, name: "tokens", sql: """
        CREATE TABLE tokens (
            id        TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            name      TEXT NOT NULL CHECK (length(name) > 0),
            role      TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
            hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
            created   INTEGER NOT NULL,
            last_used INTEGER,
            revoked   INTEGER
        );
        CREATE UNIQUE INDEX tokens_live_name ON tokens(name) WHERE revoked IS NULL;
        """)

    /// Moves each run's compiled flow and inputs out of the run row: SQLite rewrites a whole row on
    /// every UPDATE, and the run row is updated by every step, so a megabyte flow made each commit
    /// cost a megabyte of writes (a 10,000-node chain took 1 ms per step instead of 50 µs).
    static let runDocuments = Migration(version: 2, name: "run documents", sql: """
        CREATE TABLE run_documents (
            run_id   TEXT PRIMARY KEY NOT NULL REFERENCES runs(id),
            compiled TEXT NOT NULL,
            inputs   TEXT NOT NULL
        );
        INSERT INTO run_documents(run_id, compiled, inputs) SELECT id, compiled, inputs FROM runs;
        UPDATE runs SET compiled = '', inputs = '';
        """)

    static let initial = Migration(version: 1, name: "initial", sql: """
        CREATE TABLE runs (
            id            TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
            flow          TEXT NOT NULL,
            flow_version  TEXT,
            state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'waiting', 'succeeded',
                              'failed', 'aborted', 'timed-out', 'reverted', 'revert-failed')),
            labels        TEXT NOT NULL DEFAULT '{}',
            created       INTEGER NOT NULL,
            started       INTEGER,
            finished      INTEGER,
            compiled      TEXT NOT NULL,
            inputs        TEXT NOT NULL,
            header        TEXT,
            outputs       TEXT,
            error         TEXT,
            parent_run_id TEXT REFERENCES runs(id),
            node_seq      INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX runs_by_created ON runs(created, id);
        CREATE INDEX runs_by_state ON runs(state, created, id);
        CREATE INDEX runs_by_flow ON runs(flow, created, id);
        CREATE INDEX runs_by_parent ON runs(parent_run_id) WHERE parent_run_id IS NOT NULL;

        CREATE TABLE nodes (
            run_id      TEXT NOT NULL REFERENCES runs(id),
            node_id     TEXT NOT NULL CHECK (length(node_id) > 0),
            state       TEXT NOT NULL,
            step        TEXT,
            started     INTEGER,
            finished    INTEGER,
            data        TEXT NOT NULL,
            updated_seq INTEGER NOT NULL,
            PRIMARY KEY (run_id, node_id)
        );
        CREATE INDEX nodes_by_update ON nodes(run_id, updated_seq);

        CREATE TABLE attempts (
            run_id    TEXT NOT NULL REFERENCES runs(id),
            node_id   TEXT NOT NULL CHECK (length(node_id) > 0),
            attempt   INTEGER NOT NULL,
            purpose   TEXT NOT NULL CHECK (purpose IN ('run', 'revert')),
            state     TEXT NOT NULL,
            started   INTEGER,
            finished  INTEGER,
            exit_code INTEGER,
            signal    INTEGER,
            error     TEXT,
            log_dir   TEXT,
            usage     TEXT,
            PRIMARY KEY (run_id, node_id, attempt, purpose)
        );

        CREATE TABLE events (
            seq     INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id  TEXT NOT NULL REFERENCES runs(id),
            time    INTEGER NOT NULL,
            kind    TEXT NOT NULL CHECK (length(kind) > 0),
            node_id TEXT,
            attempt INTEGER,
            message TEXT NOT NULL,
            data    TEXT
        );
        CREATE INDEX events_by_run ON events(run_id, seq);
        CREATE TRIGGER events_never_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_never_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

        CREATE TABLE inbox (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id   TEXT NOT NULL REFERENCES runs(id),
            kind     TEXT NOT NULL CHECK (kind IN ('signal', 'approval', 'abort', 'resume')),
            target   TEXT,
            payload  TEXT,
            sent_by  TEXT NOT NULL,
            comment  TEXT,
            created  INTEGER NOT NULL,
            consumed INTEGER
        );
        CREATE INDEX inbox_pending ON inbox(run_id, id) WHERE consumed IS NULL;

        CREATE TABLE cache_entries (
            key      TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
            task     TEXT NOT NULL,
            version  TEXT NOT NULL,
            outputs  TEXT NOT NULL,
            run_id   TEXT NOT NULL,
            node_id  TEXT NOT NULL,
            created  INTEGER NOT NULL
        );

        CREATE TABLE cache_reservations (
            key     TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
            run_id  TEXT NOT NULL,
            node_id TEXT NOT NULL,
            created INTEGER NOT NULL
        );
        CREATE INDEX cache_reservations_by_run ON cache_reservations(run_id);

        CREATE TABLE leases (
            run_id  TEXT PRIMARY KEY NOT NULL REFERENCES runs(id),
            owner   TEXT NOT NULL,
            expires INTEGER NOT NULL
        );
        """)
}
