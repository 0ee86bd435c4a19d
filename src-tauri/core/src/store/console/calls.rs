//! The console's search over calls and messages: the columns it filters and sorts on, copied
//! from each subject's snapshot when the subject is saved (and from the stored snapshots once,
//! by the migration), with their indexes; the reports read the same columns.

/// The subjects' searchable columns and their indexes.
pub(in crate::store) const CREATE: &str = "
ALTER TABLE subjects ADD COLUMN started_at INTEGER;     -- when the call started or the message was sent, UNIX seconds
ALTER TABLE subjects ADD COLUMN phone TEXT;             -- the other party's number: E.164 when it parses, else as Aircall sent it
ALTER TABLE subjects ADD COLUMN direction TEXT;         -- 'inbound' or 'outbound'
ALTER TABLE subjects ADD COLUMN answered INTEGER;       -- calls: 1 answered, 0 missed; messages: NULL
ALTER TABLE subjects ADD COLUMN agent_email TEXT;       -- the answering (or calling, or sending) agent, lower case
ALTER TABLE subjects ADD COLUMN line TEXT;              -- the Aircall number's name (or digits)
ALTER TABLE subjects ADD COLUMN duration INTEGER;       -- calls: seconds from answer to hang-up (handle time)
ALTER TABLE subjects ADD COLUMN contact_name TEXT;      -- the Intercom contact logged to, as last known
ALTER TABLE subjects ADD COLUMN outcome TEXT;           -- the call's outcome chosen at wrap-up
CREATE INDEX subjects_by_start ON subjects (started_at DESC);
CREATE INDEX subjects_by_phone ON subjects (phone, started_at DESC);
CREATE INDEX subjects_by_agent ON subjects (agent_email, started_at DESC);
CREATE INDEX subjects_by_status ON subjects (status, started_at DESC);
CREATE INDEX subjects_by_line ON subjects (line, started_at DESC);
";
